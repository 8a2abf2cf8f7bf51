import { pick, seeded, type Random } from './random.js';

/**
 * Who calls the demo's API: a few thousand clients spread over the address space that the five regional
 * registries hand out (so GeoIP finds them in many countries), each with the user agent it keeps, and a
 * handful of attackers. The user agents are the ordinary ones of browsers and HTTP client libraries, as
 * their projects publish them; the demo's data is written by Sluice, not captured traffic.
 */

export interface Client {
  address: string;
  agent: string;
}

/** Browsers as they announce themselves (Chrome, Safari, Firefox, Edge on desktop; Safari and Chrome on phones); the benchmarks' benign traffic uses them too. */
export const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
];

export const USER_AGENTS = [
  ...BROWSER_AGENTS,
  'python-requests/2.32.3',
  'python-httpx/0.27.2',
  'curl/8.5.0',
  'Go-http-client/2.0',
  'okhttp/4.12.0',
  'axios/1.7.7',
  'node',
  'PostmanRuntime/7.42.0',
  'Java/17.0.12',
  'aws-sdk-go-v2/1.32.4 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64',
  'Rendiff-SDK/1.4.2 python/3.12.7',
  'ffmpeg/Lavf61.7.100',
];

/** First octets with allocations in every region (ARIN, RIPE, APNIC, LACNIC, AFRINIC). */
const FIRST_OCTETS = [3, 5, 8, 12, 24, 31, 37, 41, 45, 46, 49, 52, 58, 60, 62, 66, 68, 71, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 101, 102, 103, 105, 109, 110, 112, 114, 116, 118, 121, 122, 124, 125, 130, 136, 138, 141, 145, 151, 154, 156, 177, 179, 181, 186, 187, 189, 190, 191, 196, 197, 200, 201, 203, 210, 211, 212, 213, 217, 218, 220, 222];
const IPV6_PREFIXES = ['2a01:4f8', '2a02:810', '2600:1700', '2607:f8b0', '2400:cb00', '2001:ee0', '2804:14c', '2c0f:fb50'];

function address(random: Random): string {
  if (random() < 0.06) {
    // Two groups of prefix and six more: an IPv6 address has eight.
    const groups = Array.from({ length: 6 }, () => Math.floor(random() * 65536).toString(16));
    return `${pick(random, IPV6_PREFIXES)}:${groups.join(':')}`;
  }
  return `${pick(random, FIRST_OCTETS)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
}

export function clients(seed: number, count = 4000): Client[] {
  const random = seeded(seed, 0x0c11e47);
  return Array.from({ length: count }, () => ({ address: address(random), agent: pick(random, USER_AGENTS) }));
}

/** A client by popularity: a few call often, most rarely (the square skews towards the start). */
export function someClient(random: Random, population: readonly Client[]): Client {
  const r = random();
  return population[Math.floor(r * r * population.length)] as Client;
}

export interface Attacker {
  kind: 'scanner' | 'sqli' | 'brute_force' | 'xss' | 'traversal';
  address: string;
  agent: string;
  /** Requests per minute while active. */
  perMinute: number;
  paths: readonly string[];
  method: string;
  status: number;
}

const SCANNER_PATHS = ['/.env', '/.git/config', '/wp-login.php', '/phpmyadmin/index.php', '/server-status', '/backup.zip', '/admin/config.php', '/.aws/credentials', '/actuator/env', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/cgi-bin/luci/;stok=/locale', '/config.json', '/.DS_Store', '/api/v1/../../etc/passwd'];
const SQLI_PATHS = [
  "/api/v1/jobs?status=completed'%20OR%20'1'='1",
  '/api/v1/jobs?status=queued%20UNION%20SELECT%20username,password%20FROM%20users--',
  '/api/v1/jobs/1%20AND%20SLEEP(5)',
  "/api/v1/search?q=1'%20AND%201=CONVERT(int,(SELECT%20@@version))--",
  '/api/v1/jobs?sort=id;DROP%20TABLE%20jobs--',
];
const XSS_PATHS = ['/api/v1/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E', '/api/v1/search?q=%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E', '/api/v1/presets?name=%3Csvg/onload=alert(1)%3E'];
const TRAVERSAL_PATHS = ['/api/v1/files/..%2f..%2f..%2fetc%2fpasswd', '/api/v1/thumbnails/....//....//etc/shadow', '/static/..%252f..%252fwindows/win.ini'];

export function attackers(seed: number): Attacker[] {
  const random = seeded(seed, 0xa77ac);
  const octets = () => `${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 250) + 1}`;
  return [
    { kind: 'scanner', address: `45.${octets()}`, agent: 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:007026)', perMinute: 40, paths: SCANNER_PATHS, method: 'GET', status: 404 },
    { kind: 'sqli', address: `185.${octets()}`, agent: 'sqlmap/1.8.11#stable (https://sqlmap.org)', perMinute: 12, paths: SQLI_PATHS, method: 'GET', status: 400 },
    { kind: 'brute_force', address: `103.${octets()}`, agent: 'python-requests/2.31.0', perMinute: 30, paths: ['/api/v1/auth/login'], method: 'POST', status: 401 },
    { kind: 'xss', address: `91.${octets()}`, agent: USER_AGENTS[2] as string, perMinute: 6, paths: XSS_PATHS, method: 'GET', status: 400 },
    { kind: 'traversal', address: `194.${octets()}`, agent: 'curl/7.88.1', perMinute: 10, paths: TRAVERSAL_PATHS, method: 'GET', status: 404 },
  ];
}
