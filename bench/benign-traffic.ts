import type { AccessRequest } from '../pipelines/enrich/crs/request.js';
import { BROWSER_AGENTS } from '../services/demo/population.js';

/**
 * Benign requests shaped like the seed platform's API traffic (a video-processing API: uploads in parts,
 * conversions, jobs, thumbnails, webhooks, searches, usage), with the user agents of the browsers and HTTP
 * client libraries that call such an API, and the odd but legitimate values real users send: search text
 * with SQL words, quotes and symbols, file names with brackets and accents, URLs and JSON in parameters,
 * base64 and JWT-like cursors, non-Latin text. Written by us from what such an API receives, not from the
 * rules; seeded, so the set is the same on every run. Shared by the false-positive test and the benchmark.
 */

const BROWSERS = [
  ...BROWSER_AGENTS,
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
];

const CLIENTS = [
  'python-requests/2.32.3',
  'python-httpx/0.27.2',
  'aiohttp/3.10.10',
  'axios/1.7.7',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'undici',
  'Go-http-client/1.1',
  'Go-http-client/2.0',
  'okhttp/4.12.0',
  'curl/8.11.0',
  'Wget/1.24.5',
  'PostmanRuntime/7.42.0',
  'insomnia/10.1.1',
  'aws-sdk-js/3.687.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.18.0 api/s3#3.687.0',
  'Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54',
  'Java-http-client/21.0.5',
  'Apache-HttpClient/4.5.14 (Java/17.0.13)',
  'Faraday v2.12.0',
  'GuzzleHttp/7',
  'Dart/3.5 (dart:io)',
  'Lavf/61.7.100',
  'rendiff-python/1.4.0 python/3.12.7',
  'Rendiff-iOS/4.2.1 (iPhone; iOS 18.1; Scale/3.00)',
  'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  'GitHub-Hookshot/8f4c0d2',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Prometheus/2.55.1',
  'kube-probe/1.31',
  'ELB-HealthChecker/2.0',
];

const SEARCHES = [
  'wedding highlights', "O'Brien interview", 'rock & roll live', 'select highlights 2024', 'how to join clips', 'drop shadow tutorial',
  'union station timelapse', 'where the wild things are trailer', 'delete scene outtakes', 'update: new intro', "c'est la vie", 'naïve café',
  '東京 夜景', 'Müller – Sommer 2024', '"exact phrase"', '50% off promo', 'best of (2023)', 'a/b test', 'Q&A session', 'C++ tutorial',
  'it\'s a wrap', 'Dr. Who - S01E01', 'ffmpeg -crf 23', '10 > 9', 'price: $49.99', 'cats vs. dogs', 'behind-the-scenes', 'José & María',
  'the end?', 'top 10 goals #football', 'mp4 or mkv', 'order by date', 'insert clip here', 'null pointer talk', 'shell beach sunset',
  'Привет мир', 'مرحبا', 'emoji 🎬 reel', '1080p vs 4k', 'draft_v2_final', 'script reading', 'alert tone sound', 'from paris with love',
];

const FILE_NAMES = [
  'Final Cut (v2).mov', 'IMG_2024-05-01.MOV', 'my video #3.mp4', 'résumé.mp4', 'clip[1].mp4', '2024_Q3_report.mp4', 'GoPro GX010123.MP4',
  'interview – take 2.mkv', 'Screen Recording 2024-11-30 at 10.15.02.mov', 'podcast_ep.42.wav', 'promo.final.FINAL.mp4', 'a&b.mov',
  'bride+groom.mp4', 'ЛЕТО.mp4', '夏の思い出.mp4', "don't delete.mp4", 'export (1).webm',
];

/** The user agents above, for other benchmarks' benign traffic. */
export const BENIGN_USER_AGENTS: readonly string[] = [...BROWSERS, ...CLIENTS];

const FORMATS = ['mp4', 'webm', 'mov', 'mkv', 'gif', 'hls', 'dash', 'mp3', 'aac', 'wav'];
const CODECS = ['h264', 'h265', 'vp9', 'av1', 'prores', 'aac', 'opus'];
const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'];

export function benignRequests(count = 2400, seed = 20261201): AccessRequest[] {
  let state = seed;
  const random = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hex = (length: number): string => Array.from({ length }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const id = (): number => 100000 + Math.floor(random() * 900000);
  const base64 = (bytes: number): string => Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256))).toString('base64');
  const base64url = (text: string): string => Buffer.from(text).toString('base64url');
  const jwt = (): string => `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify({ sub: `user_${id()}`, exp: 1767225600 + id() }))}.${base64(32).replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')}`;
  const cursor = (): string => pick([base64(24), base64url(JSON.stringify({ after: id(), sort: 'created_at' })), jwt()]);
  const date = (): string => `2026-${String(1 + Math.floor(random() * 11)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`;
  const q = (value: string): string => encodeURIComponent(value);
  // Browsers and some clients encode a space as "+" in a query string.
  const form = (value: string): string => encodeURIComponent(value).replaceAll('%20', '+');

  const requests: Array<() => AccessRequest> = [
    () => ({ method: 'POST', uri: '/api/v1/uploads' }),
    () => ({ method: 'PUT', uri: `/api/v1/uploads/${uuid()}/parts/${1 + Math.floor(random() * 40)}?uploadId=${uuid()}&partNumber=${1 + Math.floor(random() * 40)}` }),
    () => ({ method: 'POST', uri: `/api/v1/uploads/${uuid()}/complete` }),
    () => ({ method: 'POST', uri: `/api/v1/uploads?filename=${q(pick(FILE_NAMES))}&size=${id() * 1000}&content_type=${q(pick(['video/mp4', 'video/quicktime', 'audio/wav', 'video/x-matroska']))}` }),
    () => ({ method: 'POST', uri: '/api/v1/convert' }),
    () => ({ method: 'POST', uri: `/api/v1/convert?source_url=${q(`https://cdn.example.com/media/${uuid()}/${pick(FILE_NAMES)}`)}&format=${pick(FORMATS)}&codec=${pick(CODECS)}` }),
    () => ({ method: 'POST', uri: `/api/v1/convert?source=s3%3A%2F%2Fmedia-bucket%2Fincoming%2F${q(pick(FILE_NAMES))}&preset=${pick(['web-720p', 'web-1080p', 'mobile', 'archive'])}&callback_url=${q(`https://hooks.example.org/rendiff?token=${hex(24)}`)}` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs?status=${pick(STATUSES)}&limit=${pick([10, 25, 50, 100])}` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs?limit=50&cursor=${q(cursor())}` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs?filter=${q(JSON.stringify({ status: [pick(STATUSES), pick(STATUSES)], created_at: { gte: date() } }))}&sort=-created_at` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs/${id()}` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs/${uuid()}?include=outputs,progress` }),
    () => ({ method: 'POST', uri: `/api/v1/jobs/${id()}/cancel` }),
    () => ({ method: 'DELETE', uri: `/api/v1/jobs/${id()}` }),
    () => ({ method: 'PATCH', uri: `/api/v1/jobs/${id()}?notify=true` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs/${id()}/thumbnails?time=00:00:${String(Math.floor(random() * 60)).padStart(2, '0')}.000&width=${pick([160, 320, 640])}&height=${pick([90, 180, 360])}&format=${pick(['jpg', 'webp', 'png'])}` }),
    () => ({ method: 'GET', uri: `/api/v1/thumbnails/${uuid()}/${Math.floor(random() * 100)}.jpg` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs/${id()}/outputs/${pick(['master.m3u8', 'segment_00012.ts', 'manifest.mpd', 'video_1080p.mp4', 'audio.aac', 'poster.jpg'])}` }),
    () => ({ method: 'GET', uri: `/api/v1/files/${uuid()}/download?filename=${q(pick(FILE_NAMES))}&disposition=attachment` }),
    () => ({ method: 'GET', uri: `/api/v1/files/${uuid()}/download?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${q(`AKIA${hex(16).toUpperCase()}/20261201/eu-west-1/s3/aws4_request`)}&X-Amz-Date=20261201T101500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${hex(64)}` }),
    () => ({ method: 'GET', uri: '/api/v1/webhooks' }),
    () => ({ method: 'POST', uri: `/api/v1/webhooks?url=${q(`https://example.com/hooks/rendiff/${hex(8)}`)}&events=${q('job.completed,job.failed')}` }),
    () => ({ method: 'GET', uri: `/api/v1/webhooks/${uuid()}/deliveries?since=${q(`${date()}T00:00:00Z`)}&status=failed` }),
    () => ({ method: 'POST', uri: `/webhooks/stripe` }),
    () => ({ method: 'GET', uri: `/api/v1/search?q=${form(pick(SEARCHES))}&page=${1 + Math.floor(random() * 5)}&sort=-created_at` }),
    () => ({ method: 'GET', uri: `/api/v1/search?q=${q(pick(SEARCHES))}&type=${pick(['video', 'audio', 'job'])}` }),
    () => ({ method: 'GET', uri: `/api/v1/presets?format=${pick(FORMATS)}&codec=${pick(CODECS)}` }),
    () => ({ method: 'GET', uri: '/api/v1/targets' }),
    () => ({ method: 'GET', uri: '/api/v1/status' }),
    () => ({ method: 'GET', uri: '/api/health' }),
    () => ({ method: 'HEAD', uri: '/api/health' }),
    () => ({ method: 'GET', uri: '/metrics' }),
    () => ({ method: 'GET', uri: '/api/v1/me' }),
    () => ({ method: 'GET', uri: `/api/v1/usage?from=${date()}&to=${date()}&granularity=${pick(['hour', 'day', 'month'])}&tz=${q(pick(['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC']))}` }),
    () => ({ method: 'POST', uri: '/oauth/token' }),
    () => ({ method: 'GET', uri: `/oauth/authorize?response_type=code&client_id=${hex(16)}&redirect_uri=${q('https://app.example.com/callback')}&scope=${form('jobs:read jobs:write')}&state=${hex(16)}` }),
    () => ({ method: 'OPTIONS', uri: `/api/v1/jobs/${id()}` }),
    () => ({ method: 'GET', uri: `/api/v1/jobs/${id()}/logs?level=${pick(['info', 'warn', 'error'])}&tail=200` }),
    () => ({ method: 'GET', uri: `/api/v1/projects/${id()}/videos?tag=${q(pick(['4k', 'draft', 'client review', 'b-roll', 'sommer-2024']))}&per_page=24` }),
    () => ({ method: 'GET', uri: `/share/${base64url(uuid()).slice(0, 22)}?t=${Math.floor(random() * 600)}s` }),
  ];

  const out: AccessRequest[] = [];
  for (let index = 0; index < count; index += 1) {
    const request = (requests[index % requests.length] as () => AccessRequest)();
    const browser = random() < 0.45;
    request.userAgent = browser ? pick(BROWSERS) : pick(CLIENTS);
    request.referer = browser ? pick(['https://app.rendiff.example/jobs', 'https://app.rendiff.example/jobs?tab=queued', 'https://app.rendiff.example/upload', 'https://www.google.com/']) : null;
    request.host = 'api.rendiff.example';
    request.protocol = pick(['HTTP/1.1', 'HTTP/2.0']);
    out.push(request);
  }
  return out;
}
