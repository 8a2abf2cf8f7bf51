/**
 * What a time zone abbreviation in PostgreSQL's `%m`/`%t` means, in seconds east of UTC. PostgreSQL writes the
 * abbreviation the IANA time zone database gives `log_timezone` at that instant (CET in winter, CEST in summer),
 * so each names one offset. The list is the abbreviations the database uses for the current times of its
 * zones (zones whose abbreviation is numeric, such as "+04" for Asia/Dubai, are read as offsets). Where
 * zones share an abbreviation, the choice here is the commonest server location. It agrees with PostgreSQL's
 * own Default abbreviation set (src/timezone/tznames/Default) wherever that set has the abbreviation, except
 * IST (the set: Israel; here India), MSK (the set still says +04; Moscow is at +03 since 2014), SAST (the set:
 * South Australia; here South Africa, as the database now has it) and ACST (the set: Acre; here Australian
 * Central, as the database has it). `log_timezone = 'UTC'` avoids the question.
 */
const HOURS: Record<string, number> = {
  UTC: 0, UCT: 0, UT: 0, GMT: 0, Z: 0, ZULU: 0, WET: 0, BST: 1, WEST: 1, IST: 5.5, CET: 1, MET: 1, CEST: 2, MEST: 2,
  EET: 2, EEST: 3, MSK: 3, IDT: 3, SAST: 2, CAT: 2, EAT: 3, WAT: 1,
  EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7, AKST: -9, AKDT: -8, HST: -10, HDT: -9,
  AST: -4, ADT: -3, NST: -3.5, NDT: -2.5,
  PKT: 5, NPT: 5.75, WIB: 7, WITA: 8, WIT: 9, HKT: 8, JST: 9, KST: 9, PHT: 8,
  AWST: 8, ACST: 9.5, ACDT: 10.5, AEST: 10, AEDT: 11, NZST: 12, NZDT: 13, CHST: 10, SST: -11,
};

/** The offset of an abbreviation in milliseconds, or undefined when it is not one PostgreSQL would write here. */
export function abbreviationOffsetMs(abbreviation: string): number | undefined {
  const hours = HOURS[abbreviation.toUpperCase()];
  return hours === undefined ? undefined : hours * 3_600_000;
}
