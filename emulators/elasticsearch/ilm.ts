
import { parseTimeValue } from '../../shared/time-value.js';
import { checkPolicyBody } from './admin-parsers.js';
import { EsError } from './errors.js';
import type { Cluster, Index, IlmState, Json, Policy } from './store.js';

/**
 * Index lifecycle management: moves every managed index through its policy's phases (hot, warm, cold,
 * delete) by age, rolling over, making read-only, force-merging, changing replicas and deleting, and
 * reports it as `_ilm/explain` does. Ages are measured on the emulator's clock, which tests advance.
 */

const PHASES = ['hot', 'warm', 'cold', 'frozen', 'delete'];

/** The order Elasticsearch runs a phase's actions in (TimeseriesLifecycleType). */
const ACTION_ORDER: Record<string, string[]> = {
  hot: ['set_priority', 'unfollow', 'rollover', 'readonly', 'downsample', 'shrink', 'forcemerge', 'searchable_snapshot'],
  warm: ['set_priority', 'unfollow', 'readonly', 'downsample', 'allocate', 'migrate', 'shrink', 'forcemerge'],
  cold: ['set_priority', 'unfollow', 'readonly', 'downsample', 'searchable_snapshot', 'allocate', 'migrate', 'freeze'],
  frozen: ['unfollow', 'searchable_snapshot'],
  delete: ['wait_for_snapshot', 'delete'],
};


/** Checks a policy body as PUT _ilm/policy does: known phases and actions, parsable ages. */
export function validatePolicy(body: Json): Policy['policy'] {
  const policy = body.policy as Policy['policy'] | undefined;
  if (policy === undefined || typeof policy !== 'object') throw new EsError(400, 'x_content_parse_exception', `[1:2] [put_lifecycle_request] failed to parse field [policy]`);
  checkPolicyBody(body, policy as unknown as Record<string, unknown>);
  for (const [phase, definition] of Object.entries(policy.phases ?? {})) {
    if (!PHASES.includes(phase)) throw new EsError(400, 'illegal_argument_exception', `Timeseries lifecycle does not support phase [${phase}]`);
    if (definition.min_age !== undefined && parseTimeValue(String(definition.min_age)) === undefined) {
      throw new EsError(400, 'illegal_argument_exception', `failed to parse setting [min_age] with value [${String(definition.min_age)}] as a time value: unit is missing or unrecognized`);
    }
    for (const action of Object.keys(definition.actions ?? {})) {
      if (!(ACTION_ORDER[phase] ?? []).includes(action)) throw new EsError(400, 'illegal_argument_exception', `invalid action [${action}] defined in phase [${phase}]`);
    }
  }
  return policy;
}

function minAge(policy: Policy, phase: string): number {
  return parseTimeValue(String(policy.policy.phases?.[phase]?.min_age ?? '0ms')) ?? 0;
}

function lifecycleDate(index: Index): number {
  const origination = index.settings['index.lifecycle.origination_date'];
  if (origination !== undefined) return Number(origination);
  return index.rolledOverAt ?? index.createdAt;
}

function enter(index: Index, phase: string, action: string, step: string, now: number): IlmState {
  const previous = index.ilm;
  const state: IlmState = {
    phase,
    action,
    step,
    phaseTime: previous?.phase === phase ? previous.phaseTime : now,
    actionTime: previous?.action === action && previous.phase === phase ? previous.actionTime : now,
    stepTime: now,
    lifecycleDate: lifecycleDate(index),
  };
  index.ilm = state;
  return state;
}

function error(index: Index, reason: string, failedStep: string, now: number): void {
  const state = enter(index, index.ilm?.phase ?? 'new', index.ilm?.action ?? 'complete', 'ERROR', now);
  state.stepInfo = { type: 'illegal_argument_exception', reason };
  state.failedStep = failedStep;
}

/** Runs one action of a phase; false while it waits (rollover conditions not met yet). */
function runAction(cluster: Cluster, index: Index, action: string, spec: Json, now: number): boolean | 'deleted' {
  switch (action) {
    case 'rollover': {
      if (index.rolledOverAt !== undefined) return true;
      const stream = index.dataStream === undefined ? undefined : cluster.dataStreams.get(index.dataStream);
      const alias = index.settings['index.lifecycle.rollover_alias'];
      let target: string;
      if (stream) {
        if (stream.indices.at(-1) !== index.name) return true;
        target = stream.name;
      } else {
        if (alias === undefined || alias === '') {
          error(index, `setting [index.lifecycle.rollover_alias] for index [${index.name}] is empty or not defined`, 'check-rollover-ready', now);
          return false;
        }
        const definition = index.aliases.get(alias);
        if (definition === undefined) {
          error(index, `${index.name} is not aliased by ${alias}`, 'check-rollover-ready', now);
          return false;
        }
        if (definition.is_write_index === false) return true;
        target = alias;
      }
      // Like Elasticsearch since 8.4, an empty index is never rolled over by a policy.
      if (index.docs.size === 0) return false;
      const result = cluster.rollover(target, spec);
      return result.rolled_over === true;
    }
    case 'readonly':
      index.settings['index.blocks.write'] = 'true';
      return true;
    case 'allocate':
      if (spec.number_of_replicas !== undefined) index.settings['index.number_of_replicas'] = String(spec.number_of_replicas);
      return true;
    case 'set_priority':
      if (spec.priority !== undefined && spec.priority !== null) index.settings['index.priority'] = String(spec.priority);
      return true;
    case 'delete': {
      const stream = index.dataStream === undefined ? undefined : cluster.dataStreams.get(index.dataStream);
      // The write index of a data stream cannot go: the policy waits until it has rolled over.
      if (stream?.indices.at(-1) === index.name) return false;
      cluster.dropIndex(index);
      return 'deleted';
    }
    default:
      // forcemerge (no segments are emulated), shrink, downsample, migrate, searchable_snapshot, freeze,
      // unfollow, wait_for_snapshot: nothing to do on one node without segments or snapshots.
      return true;
  }
}

/**
 * One step for one index; true if anything changed. Only a poll (`polling`) asks a rollover's conditions: on a
 * cluster-state change the index goes as far as its rollover's check and waits there.
 */
function advance(cluster: Cluster, index: Index, now: number, polling = true): boolean {
  const policyName = index.settings['index.lifecycle.name'];
  if (policyName === undefined || policyName === '') return false;
  const policy = cluster.policies.get(policyName);
  if (policy === undefined) {
    if (index.ilm?.step === 'ERROR') return false;
    error(index, `policy [${policyName}] does not exist`, 'new', now);
    return true;
  }
  const state = index.ilm ?? enter(index, 'new', 'complete', 'complete', now);
  if (state.step === 'ERROR' && state.failedStep !== 'check-rollover-ready') return false;
  const phases = PHASES.filter((phase) => policy.policy.phases?.[phase] !== undefined);
  const age = now - lifecycleDate(index);

  if (state.action === 'complete' || state.phase === 'new') {
    const position = state.phase === 'new' ? -1 : phases.indexOf(state.phase);
    const next = phases[position + 1];
    if (next === undefined || age < minAge(policy, next)) {
      if (index.ilm === undefined) return true;
      return false;
    }
    enter(index, next, 'new', 'init', now);
    return true;
  }

  const definition = policy.policy.phases?.[state.phase];
  const actions = (ACTION_ORDER[state.phase] ?? []).filter((action) => definition?.actions?.[action] !== undefined);
  const start = state.action === 'new' ? 0 : actions.indexOf(state.action);
  for (let i = Math.max(0, start); i < actions.length; i += 1) {
    const action = actions[i] as string;
    const outcome = !polling && action === 'rollover' ? false : runAction(cluster, index, action, (definition?.actions?.[action] ?? {}) as Json, now);
    if (outcome === 'deleted') return true;
    if (outcome === false) {
      if (index.ilm?.step !== 'ERROR') {
        const waiting = action === 'rollover' ? 'check-rollover-ready' : action === 'delete' ? 'delete' : action;
        if (state.action === action && state.step === waiting) return false;
        enter(index, state.phase, action, waiting, now);
        return true;
      }
      return true;
    }
  }
  enter(index, state.phase, 'complete', 'complete', now);
  return true;
}

/** Runs the lifecycle over every managed index until nothing moves (a real cluster needs several polls for that). */
export function runLifecycle(cluster: Cluster): number {
  if (!cluster.ilmRunning) return 0;
  let moves = 0;
  for (let pass = 0; pass < 20; pass += 1) {
    let changed = false;
    const now = cluster.now();
    for (const index of [...cluster.indices.values()]) if (cluster.indices.has(index.name) && advance(cluster, index, now)) changed = true;
    if (!changed) break;
    moves += 1;
  }
  if (moves > 0) cluster.journal?.meta();
  return moves;
}

/**
 * What Elasticsearch does on the cluster-state change that adds a managed index (or gives an index a policy),
 * before any poll: the index enters its policy and goes on through what needs no waiting, so that explain shows
 * `new`, or a first phase of min_age 0 up to its rollover's check, at once. Rollover conditions of indices already
 * under way, and phase ages, are checked by the polls only (runLifecycle).
 */
export function startLifecycles(cluster: Cluster): void {
  if (!cluster.ilmRunning) return;
  const now = cluster.now();
  let moved = false;
  for (const index of [...cluster.indices.values()]) {
    if (index.ilm !== undefined || !index.settings['index.lifecycle.name']) continue;
    for (let step = 0; step < 20 && cluster.indices.has(index.name) && advance(cluster, index, now, false); step += 1) moved = true;
  }
  if (moved) cluster.journal?.meta();
}

function timeValue(ms: number): string {
  const units: Array<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  for (const [size, unit] of units) if (ms >= size) return `${Number((ms / size).toFixed(2))}${unit}`;
  return `${ms}ms`;
}

/** One index's entry of `GET <index>/_ilm/explain`. */
export function explain(cluster: Cluster, index: Index): Json {
  const policyName = index.settings['index.lifecycle.name'];
  if (policyName === undefined || policyName === '') return { index: index.name, managed: false };
  const now = cluster.now();
  const state = index.ilm;
  const policy = cluster.policies.get(policyName);
  const base: Json = {
    index: index.name,
    managed: true,
    policy: policyName,
    index_creation_date_millis: index.createdAt,
    time_since_index_creation: timeValue(now - index.createdAt),
  };
  if (state === undefined) return base;
  return {
    ...base,
    lifecycle_date_millis: lifecycleDate(index),
    age: timeValue(now - lifecycleDate(index)),
    phase: state.phase,
    phase_time_millis: state.phaseTime,
    action: state.action,
    action_time_millis: state.actionTime,
    step: state.step,
    step_time_millis: state.stepTime,
    ...(state.failedStep === undefined ? {} : { failed_step: state.failedStep }),
    ...(state.stepInfo === undefined ? {} : { step_info: state.stepInfo }),
    ...(policy === undefined || state.phase === 'new'
      ? {}
      : { phase_execution: { policy: policyName, phase_definition: policy.policy.phases?.[state.phase], version: policy.version, modified_date_in_millis: policy.modifiedDate } }),
  };
}
