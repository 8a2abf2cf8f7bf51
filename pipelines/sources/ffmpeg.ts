import { put, type Json } from '../ecs.js';
import { parseTimestamp } from '../timestamps.js';
import { baseDocument, isFailureLevel, receivedTime, type NormaliseContext } from './common.js';

/**
 * FFmpeg's standard error, as a video worker that runs it ships it (Filebeat's container input, one line per `\n`):
 * - av_log's lines (libavutil/log.c): `[name @ 0x…] [level] message`, the context's name and address (a parent's
 *   first when it has one), the level with `-loglevel level`, FFmpeg 8's time or date and time first with
 *   `-loglevel time` or `datetime` (the host's local time, read as UTC as every time without a zone);
 * - the progress report (fftools' print_report): `frame=   75 fps=0.0 q=-1.0 Lsize=      45kB time=00:00:03.01
 *   bitrate= 122.4kbits/s speed=20.1x`, `KiB` since FFmpeg 6.1, ` elapsed=0:00:00.15` since 7.0, `L` on the last one.
 *   FFmpeg ends every report but the last with `\r`, so one shipped line holds every report since the last `\n` and
 *   any message logged meanwhile; the last report holds the run's totals so far, and is the one read.
 */

const LEVELS = 'quiet|panic|fatal|error|warning|info|verbose|debug|trace';
/** The prefix av_log writes: a time (FFmpeg 8), up to two contexts (`%p`: `0x…` with glibc, bare hex elsewhere), a level. */
const PREFIX = new RegExp(`^(?:(\\d{4}-\\d{2}-\\d{2} )?(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) )?((?:\\[[^\\]]+ @ (?:0x[0-9a-fA-F]+|[0-9a-fA-F]{8,16}|\\(nil\\))\\] ){0,2})(?:\\[(${LEVELS})\\] )?`);
const CONTEXT_NAME = /\[([^\]]+) @ [^\]]+\] $/;
/** A report's start: the video stream's frame count, or the size written when there is no video stream. */
const REPORT_START = /^(?:frame=|L?size=)/;
/** A report's `key=value` pairs; FFmpeg pads values with spaces after the `=`. */
const PAIR = /(\w+)=\s*(\S+)/g;
const CLOCK = /^(-)?(\d+):(\d{2}):(\d{2})\.(\d{2})$/;

/** A progress report's figures, named as `-progress` names them (its machine-readable form of the same report). */
interface FfmpegReport {
  frame?: number;
  fps?: number;
  q?: number;
  total_size?: number;
  out_time_us?: number;
  bitrate_kbps?: number;
  speed?: number;
  dup_frames?: number;
  drop_frames?: number;
  /** `end` for the run's last report (FFmpeg's `L`), else `continue`, as `-progress` writes it. */
  progress: 'end' | 'continue';
  /** FFmpeg 7's `elapsed`: the run's wall time so far, in nanoseconds (ECS's `event.duration`). */
  elapsedNs?: number;
}

interface FfmpegLine {
  /** The time av_log wrote (FFmpeg 8's flags), else undefined. */
  ms: number | undefined;
  logger: string | undefined;
  level: string | undefined;
  message: string;
  report: FfmpegReport | undefined;
}

interface Segment {
  /** FFmpeg 8's date and time of day, as written. */
  date: string | undefined;
  time: string | undefined;
  logger: string | undefined;
  level: string | undefined;
  text: string;
  /** Whether the text has a report's start and keys (only the line's last report is read). */
  isReport: boolean;
}

/** `[-]HH:MM:SS.cc` (a report's `time`, `elapsed`) in microseconds. */
function clockUs(value: string): number | undefined {
  const match = CLOCK.exec(value);
  if (match === null) return undefined;
  const [, sign, hours, minutes, seconds, hundredths] = match as unknown as string[];
  const us = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1_000_000 + Number(hundredths) * 10_000;
  return sign === '-' ? -us : us;
}

const count = (value: string | undefined): number | undefined => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
const decimal = (value: string | undefined, unit = ''): number | undefined => {
  if (value === undefined || !value.endsWith(unit)) return undefined;
  const number = Number(value.slice(0, value.length - unit.length));
  return value.length > unit.length && Number.isFinite(number) ? number : undefined;
};

/** Whether text is shaped as a progress report: its start, and its time, bitrate and speed. */
function looksLikeReport(text: string): boolean {
  return REPORT_START.test(text) && text.includes(' time=') && text.includes(' bitrate=') && text.includes(' speed=');
}

/** A progress report's figures; undefined for one without its size, time, bitrate or speed. */
function readReport(text: string): FfmpegReport | undefined {
  const pairs = new Map<string, string>();
  for (const [, key, value] of text.matchAll(PAIR)) if (!pairs.has(key as string)) pairs.set(key as string, value as string);
  const sizeKey = pairs.has('Lsize') ? 'Lsize' : 'size';
  const size = pairs.get(sizeKey);
  const time = pairs.get('time');
  if (size === undefined || time === undefined || !pairs.has('bitrate') || !pairs.has('speed')) return undefined;
  const kib = decimal(size, 'KiB') ?? decimal(size, 'kB');
  const elapsedUs = clockUs(pairs.get('elapsed') ?? '');
  return {
    frame: count(pairs.get('frame')),
    fps: decimal(pairs.get('fps')),
    q: decimal(pairs.get('q')),
    total_size: kib === undefined ? undefined : kib * 1024,
    out_time_us: clockUs(time),
    bitrate_kbps: decimal(pairs.get('bitrate'), 'kbits/s'),
    speed: decimal(pairs.get('speed'), 'x'),
    dup_frames: count(pairs.get('dup')),
    drop_frames: count(pairs.get('drop')),
    progress: sizeKey === 'Lsize' ? 'end' : 'continue',
    elapsedNs: elapsedUs === undefined ? undefined : elapsedUs * 1000,
  };
}

const DAY_MS = 86_400_000;

/** av_log's time: with its date, as written; a time of day alone, on the day that puts it nearest the line's arrival. */
function prefixTime(date: string | undefined, time: string, received: number): number | undefined {
  if (date !== undefined) return parseTimestamp(`${date.trimEnd()}T${time}`);
  const day = new Date(received).toISOString().slice(0, 10);
  const ms = parseTimestamp(`${day}T${time}`);
  if (ms === undefined) return undefined;
  return ms - received > DAY_MS / 2 ? ms - DAY_MS : received - ms > DAY_MS / 2 ? ms + DAY_MS : ms;
}

/** One `\r`-separated part of a line: its prefix read, and whether the rest is a progress report. */
function readSegment(text: string): Segment {
  const [prefix, date, time, contexts, level] = PREFIX.exec(text) as RegExpExecArray;
  const rest = text.slice(prefix.length);
  return { date, time, logger: contexts === '' || contexts === undefined ? undefined : CONTEXT_NAME.exec(contexts)?.[1], level, text: rest, isReport: looksLikeReport(rest) };
}

/** `[`, a digit (FFmpeg 8's time), `f`rame=, `s`ize=, `L`size=: a line that starts otherwise is not FFmpeg's. */
function startsLikeFfmpeg(line: string): boolean {
  const first = line.charCodeAt(0);
  return first === 91 || (first >= 48 && first <= 57) || first === 102 || first === 115 || first === 76;
}

/**
 * A line of FFmpeg's standard error (one that starts like one), or undefined for a line that is not one. A line counts as FFmpeg's when it is a
 * progress report or starts with av_log's context (`[name @ 0x…]`, a signature no other logger writes); with
 * `levelAlone`, also when it starts with av_log's level alone (`[error] …`: the worker's topic, where FFmpeg is what
 * writes such lines). The message is what was logged besides the reports, else the last report's text.
 */
function parseFfmpegLine(line: string, received: number, levelAlone: boolean): FfmpegLine | undefined {
  const segments: Segment[] = [];
  for (const part of line.includes('\r') ? line.split('\r') : [line]) {
    const text = part.trimEnd();
    if (text !== '') segments.push(readSegment(text));
  }
  const said = segments.filter((segment) => !segment.isReport);
  const lead = said[0];
  const last = segments.findLast((segment) => segment.isReport);
  const report = last === undefined ? undefined : readReport(last.text);
  if (report === undefined && (lead === undefined || (lead.logger === undefined && (!levelAlone || lead.level === undefined)))) return undefined;
  const shown = lead ?? (last as Segment);
  const timed = shown.time !== undefined ? shown : last;
  return {
    ms: timed?.time === undefined ? undefined : prefixTime(timed.date, timed.time, received),
    logger: shown.logger,
    level: shown.level ?? last?.level,
    message: said.length > 0 ? said.map((segment) => segment.text).join('\n') : shown.text,
    report,
  };
}

/**
 * A line of FFmpeg's in its ECS places; a report's figures under `rendiff.ffmpeg`, its elapsed time `event.duration`.
 * `rendiff.component` is the seed's field for the part of the service that logged: the metrics derived from logs count
 * FFmpeg's lines under it, so its errors can be told from the worker's own.
 */
function putFfmpeg(document: Json, line: FfmpegLine): void {
  put(document, 'message', line.message);
  put(document, 'event.provider', 'ffmpeg');
  put(document, 'rendiff.component', 'ffmpeg');
  put(document, 'log.logger', line.logger);
  put(document, 'log.level', line.level);
  if (isFailureLevel(line.level)) put(document, 'event.outcome', 'failure');
  const report = line.report;
  if (report === undefined) return;
  const { elapsedNs, ...figures } = report;
  for (const [name, value] of Object.entries(figures)) put(document, `rendiff.ffmpeg.${name}`, value);
  put(document, 'event.duration', elapsedNs);
}

/** A document of a line of FFmpeg's, or undefined for a line that is not one (parseFfmpegLine). */
export function normaliseFfmpeg(line: string, context: NormaliseContext, dataset: string, service: string | undefined, levelAlone: boolean): Json | undefined {
  if (!startsLikeFfmpeg(line)) return undefined;
  const received = receivedTime(context);
  const read = parseFfmpegLine(line, received, levelAlone);
  if (read === undefined) return undefined;
  const document = baseDocument(dataset, read.ms ?? received, context, service);
  putFfmpeg(document, read);
  return document;
}
