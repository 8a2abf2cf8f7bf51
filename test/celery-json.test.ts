import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../pipelines/pipeline.js';
import { run } from './support/process.js';

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
