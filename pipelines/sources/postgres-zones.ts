/**
 * What a time zone abbreviation in PostgreSQL's `%m`/`%t` means. PostgreSQL writes the abbreviation the IANA time
 * zone database gives `log_timezone` at that instant (CET in winter, CEST in summer), so each names one offset.
 * The list is every alphabetic abbreviation the database gives its zones today (checked against every zone of
 * Debian's tzdata with Python's zoneinfo, in January and July 2026: none missing, each offset one the database
 * gives it), and PostgreSQL's spellings of universal time (UCT, UT, Z, ZULU); zones whose abbreviation is
 * numeric, such as "+04" for Asia/Dubai or "+0545" for Asia/Kathmandu, are read as offsets by the caller. Where
 * zones share an abbreviation, the choice is the commonest server location: IST is India (the database also
 * gives it to Israel, +02, and to Ireland in summer, +01), CST is the US (China's is +08), PST the US (the
 * Philippines' is +08). It agrees with PostgreSQL's own Default abbreviation set (src/timezone/tznames/Default)
 * wherever that set has the abbreviation, except IST (the set: Israel), MSK (the set still says +04; Moscow is
 * at +03 since 2014), SAST (the set: South Australia) and ACST (the set: Acre). `log_timezone = 'UTC'` avoids
 * the question.
 */
const HOURS: Record<string, number> = {
  UTC: 0, UCT: 0, UT: 0, GMT: 0, Z: 0, ZULU: 0, WET: 0, BST: 1, WEST: 1, IST: 5.5, CET: 1, MET: 1, CEST: 2, MEST: 2,
  EET: 2, EEST: 3, MSK: 3, IDT: 3, SAST: 2, CAT: 2, EAT: 3, WAT: 1,
  EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7, AKST: -9, AKDT: -8, HST: -10, HDT: -9,
  AST: -4, ADT: -3, NST: -3.5, NDT: -2.5,
  PKT: 5, WIB: 7, WITA: 8, WIT: 9, HKT: 8, JST: 9, KST: 9,
  AWST: 8, ACST: 9.5, ACDT: 10.5, AEST: 10, AEDT: 11, NZST: 12, NZDT: 13, CHST: 10, SST: -11,
};

/** Universal time: nothing to record as the event's time zone. */
const UNIVERSAL = new Set(['UTC', 'UCT', 'UT', 'GMT', 'Z', 'ZULU']);

export interface ZoneOffset {
  ms: number;
  /** As ECS's `event.timezone` writes an offset ("+01:00"); undefined for universal time. */
  text: string | undefined;
}

const offsetText = (hours: number): string => {
  const minutes = Math.round(Math.abs(hours) * 60);
  return `${hours < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

const OFFSETS = new Map(Object.entries(HOURS).map(([abbreviation, hours]): [string, ZoneOffset] => [abbreviation, { ms: hours * 3_600_000, text: UNIVERSAL.has(abbreviation) ? undefined : offsetText(hours) }]));

/** The offset an abbreviation names (in any case), or undefined when it is not one PostgreSQL would write here. */
export function zoneOffset(abbreviation: string): ZoneOffset | undefined {
  return OFFSETS.get(abbreviation.toUpperCase());
}
