import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { run } from './support/process.js';
import { documentReader } from './support/pipeline.js';

// A Celery worker's log through python-json-logger, written here by Debian's python3-celery 5.2 (which .ci/run
// installs): a prefork worker on Celery's in-memory broker runs two tasks, one of which raises. Celery's trace logger
// gives each task message its context as `data` (celery/app/trace.py), which the expectations are read from.
const WORKER = `
import logging, os, signal, sys, threading, time
from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger
from celery.utils.log import get_task_logger
from pythonjsonlogger import jsonlogger

app = Celery('rendiff', broker='memory://')
app.conf.update(worker_hijack_root_logger=False)

def json_handler():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(jsonlogger.JsonFormatter('%(asctime)s %(levelname)s %(name)s %(processName)s %(message)s'))
    return handler

@after_setup_logger.connect
def setup(logger, **kwargs):
    logger.handlers = [json_handler()]

@after_setup_task_logger.connect
def setup_task(logger, **kwargs):
    logger.handlers = [json_handler()]
    logger.propagate = False

@app.task(name='app.tasks.transcode')
def transcode(job_id):
    get_task_logger('app.tasks').info('probing input for %s', job_id)
    if job_id == 'job-bad':
        raise RuntimeError('ffmpeg exited 1')
    return 'done'

def send():
    time.sleep(1.5)
    transcode.delay('job-1')
    transcode.delay('job-bad')
    time.sleep(2)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=send, daemon=True).start()
app.Worker(pool='prefork', concurrency=1, loglevel='INFO', quiet=True, without_heartbeat=True, without_mingle=True, without_gossip=True).start()
`;

interface Written {
  asctime: string;
  levelname: string;
  processName: string;
  message: string;
  exc_info?: string;
  data?: { id: string; name: string; runtime?: number };
}

describe('a Celery worker’s JSON log, run here', () => {
  let lines: string[] = [];
  beforeAll(async () => {
    const result = await run('/usr/bin/python3', ['-c', WORKER], { timeoutMs: 30_000 });
    lines = result.stdout.trim().split('\n').filter((line) => line.startsWith('{'));
  }, 40_000);
  const pipeline = createPipeline({ namespace: 'prod' });
  const accept = (value: string): Record<string, any> => {
    const outcome = pipeline({ value, topic: 'logs-worker' });
    if (!outcome.ok) throw new Error(`${outcome.reason}: ${value}`);
    return outcome.document;
  };

  it('its task messages are the task events its text lines give: received, succeeded with its run time, failed with the task’s exception', () => {
    const pairs = lines.map((line) => ({ written: JSON.parse(line) as Written, document: accept(line) }));
    const tasks = pairs.filter(({ written }) => written.data !== undefined);
    expect(tasks.map(({ document }) => document.event.action).sort()).toEqual(['task-failed', 'task-received', 'task-received', 'task-succeeded']);
    for (const { written, document } of tasks) {
      expect(document.rendiff.worker.task).toEqual({ name: written.data?.name, id: written.data?.id });
    }
    const succeeded = tasks.find(({ document }) => document.event.action === 'task-succeeded');
    expect(succeeded?.document.event.outcome).toBe('success');
    expect(succeeded?.document.event.duration).toBe(Math.round((succeeded?.written.data?.runtime as number) * 1e9));
    const failed = tasks.find(({ document }) => document.event.action === 'task-failed')?.document;
    // Celery 5.2 logs the prefork pool's wrapper, "raised unexpected: ExceptionWithTraceback()": the exception is the traceback's.
    expect(failed).toMatchObject({ log: { level: 'error' }, event: { outcome: 'failure' }, error: { type: 'RuntimeError', message: 'ffmpeg exited 1' } });
    expect(failed?.error.stack_trace).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*\nRuntimeError: ffmpeg exited 1\n/);
    // The task's own logger and the worker's other lines are messages, not task events.
    const probes = pairs.filter(({ written }) => written.message.startsWith('probing input'));
    expect(probes).toHaveLength(2);
    for (const { document } of probes) expect(document.event.action).toBeUndefined();
    expect(pairs.find(({ written }) => written.message.endsWith('ready.'))?.document.event.action).toBeUndefined();
  });

  it('the failure as Celery’s text format writes it, its traceback joined by Filebeat’s multiline: the task’s exception too', () => {
    const failed = lines.map((line) => JSON.parse(line) as Written).find((written) => written.message.includes(' raised '));
    // worker_log_format `[%(asctime)s: %(levelname)s/%(processName)s] %(message)s`, the traceback on the lines after it.
    const text = `[${failed?.asctime}: ${failed?.levelname}/${failed?.processName}] ${failed?.message}\n${failed?.exc_info}`;
    const shipped = { '@timestamp': '2026-12-07T06:00:00.000Z', agent: { type: 'filebeat', version: '8.15.0' }, input: { type: 'filestream' }, message: text };
    expect(accept(JSON.stringify(shipped))).toMatchObject({ event: { action: 'task-failed', outcome: 'failure' }, error: { type: 'RuntimeError', message: 'ffmpeg exited 1' }, rendiff: { worker: { task: { id: failed?.data?.id } } } });
  });
});

// The seed's own worker (rendiffdev/ffmpeg-api): structlog with the processors of its api/utils/logger.py, through the
// standard library (LoggerFactory) to a root logger it configured itself, under a Celery worker started as its
// worker/main.py starts one (`worker_main`, `worker_hijack_root_logger` left on). Celery puts its own handler and format on
// the root logger, so each JSON record is the message of a Celery line. Run here with Debian's Celery 5.2 and structlog 22.3.
const SEED_WORKER = `
import logging, os, signal, sys, threading, time
import structlog
from celery import Celery

logging.basicConfig(format='%(message)s', stream=sys.stdout, level=logging.INFO)
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt='iso'),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        structlog.processors.CallsiteParameterAdder(parameters=[
            structlog.processors.CallsiteParameter.FILENAME,
            structlog.processors.CallsiteParameter.LINENO,
            structlog.processors.CallsiteParameter.FUNC_NAME,
        ]),
        structlog.processors.EventRenamer('message'),
        structlog.processors.JSONRenderer(),
    ],
    context_class=dict, logger_factory=structlog.stdlib.LoggerFactory(), wrapper_class=structlog.stdlib.BoundLogger,
)
logger = structlog.get_logger('worker.tasks')
app = Celery('rendiff_worker', broker='memory://')

@app.task(name='worker.process_job')
def process_job(job_id):
    logger.info('Job started', job_id=job_id, processing_time=1.5)
    try:
        raise RuntimeError('ffmpeg exited 1')
    except RuntimeError:
        logger.error('Job failed', job_id=job_id, exc_info=True)

def send():
    time.sleep(1.5)
    process_job.delay('job-42')
    time.sleep(2)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=send, daemon=True).start()
app.worker_main(['worker', '--loglevel=info', '--concurrency=1', '--without-gossip', '--without-mingle', '--without-heartbeat'])
`;

describe('the seed’s worker: structlog’s JSON records inside Celery’s lines, run here', () => {
  let lines: string[] = [];
  beforeAll(async () => {
    const result = await run('/usr/bin/python3', ['-c', SEED_WORKER], { timeoutMs: 30_000 });
    lines = result.stderr.split('\n').filter((line) => /^\[[\d-]+ [\d:,]+: \w+\/ForkPoolWorker-\d+\] \{/.test(line));
  }, 40_000);
  const read = documentReader({ topic: 'logs-worker' });

  it('each record is read as the worker’s JSON: its message, time, logger, call site and fields; Celery’s process beside them', () => {
    expect(lines).toHaveLength(2);
    const records = lines.map((line) => JSON.parse(line.slice(line.indexOf('] {') + 2)) as Record<string, any>);
    const [started, failed] = lines.map((line) => read(line));
    records.forEach((record, i) => expect([started, failed][i]?.['@timestamp']).toBe(new Date(record.timestamp).toISOString()));
    expect(started).toMatchObject({ message: 'Job started', log: { level: 'info', logger: 'worker.tasks', origin: { function: 'process_job', file: { line: records[0]?.lineno } } }, process: { name: 'ForkPoolWorker-1' }, rendiff: { job_id: 'job-42' }, event: { duration: 1_500_000_000 } });
    expect(failed).toMatchObject({ message: 'Job failed', log: { level: 'error' }, event: { outcome: 'failure' }, error: { type: 'RuntimeError', message: 'ffmpeg exited 1' }, rendiff: { job_id: 'job-42' } });
    expect(failed?.error.stack_trace).toMatch(/^Traceback \(most recent call last\):\n[\s\S]*\nRuntimeError: ffmpeg exited 1$/);
  });

  it('a task logger’s line (worker_task_log_format) gives the task; a record without a time or level takes the line’s', () => {
    const document = read('[2026-12-07 10:15:00,123: WARNING/ForkPoolWorker-2] worker.process_job[8d5b1c2e-1111-4c5e-9d7a-0123456789ab]: {"job_id": "job-42", "message": "Output larger than input"}');
    expect(document).toMatchObject({ '@timestamp': '2026-12-07T10:15:00.123Z', message: 'Output larger than input', log: { level: 'warning' }, process: { name: 'ForkPoolWorker-2' }, rendiff: { job_id: 'job-42', worker: { task: { name: 'worker.process_job', id: '8d5b1c2e-1111-4c5e-9d7a-0123456789ab' } } } });
    // An ERROR line's record without a level is a failure; a `time` that is no time (a duration) leaves the line's.
    expect(read('[2026-12-07 10:15:02,500: ERROR/ForkPoolWorker-2] {"message": "Upload failed", "time": 2.5}')).toMatchObject({ '@timestamp': '2026-12-07T10:15:02.500Z', log: { level: 'error' }, event: { outcome: 'failure' } });
    // A message that only starts like JSON stays the line's text.
    expect(read('[2026-12-07 10:15:00,123: INFO/ForkPoolWorker-2] {not json}').message).toBe('{not json}');
  });
});
