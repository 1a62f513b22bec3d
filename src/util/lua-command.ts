import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Command, Redis } from 'ioredis';

/** A Lua script and the connections' sockets that have been sent its text (each server then holds it by its SHA1). */
interface LuaScript {
  lua: string;
  sha: string;
  sentOn: WeakSet<object>;
}

const NO_ARGUMENTS: string[] = [];
/** Replies as strings, as ioredis's generated commands ask for them (without it they come as Buffers). */
const AS_TEXT = { replyEncoding: 'utf8' } as const;

/** Every script by its text: its SHA1 is computed once, and a socket carries its text once, whoever calls it. */
const scripts = new Map<string, LuaScript>();

function scriptOf(lua: string): LuaScript {
  let script = scripts.get(lua);
  if (script === undefined) {
    script = { lua, sha: createHash('sha1').update(lua).digest('hex'), sentOn: new WeakSet() };
    scripts.set(lua, script);
  }
  return script;
}

/** One call of a Lua script (`scriptCallClass`). */
interface ScriptCall extends Command {
  /** After a NOSCRIPT reply: the server behind this socket lost its scripts, so the next call there sends the text. */
  forgetSocket(): void;
}

let ScriptCallClass: (new (script: LuaScript, args: string[]) => ScriptCall) | undefined;

/**
 * The class of a script call, with its arguments as given (docs/architecture.md, "Design choices": script calls).
 * ioredis's own command copies its arguments through `Array.prototype.flat`, which node 20's V8 runs with no fast
 * path, about 1 k instructions an argument: a tenth of a Redis message over the scripts it runs. The arguments here are
 * strings already. Sent as EVALSHA, or as EVAL with the script's text on a socket that has not carried it yet, so that a
 * server reached after a reconnection or a failover is never asked for a script it may not have.
 *
 * Made at the first call, when a Redis connection exists: importing ioredis where it is not used would load it into
 * the embedded modes (modules that hold a script for the Redis mode are loaded in every mode), and ioredis slows
 * `String.prototype` as it loads (docs/architecture.md, "Design choices": string methods after the Redis modules load).
 */
function scriptCallClass(): new (script: LuaScript, args: string[]) => ScriptCall {
  if (ScriptCallClass) return ScriptCallClass;
  const { Command: IoredisCommand } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  ScriptCallClass = class extends IoredisCommand implements ScriptCall {
    private socket: object | undefined;

    constructor(
      readonly script: LuaScript,
      args: string[],
    ) {
      super('evalsha', NO_ARGUMENTS, AS_TEXT);
      this.args = args;
    }

    override toWritable(socket: object): string | Buffer {
      this.socket = socket;
      if (!this.script.sentOn.has(socket)) {
        this.script.sentOn.add(socket);
        this.name = 'eval';
        this.args[0] = this.script.lua;
      } else if (this.name === 'eval') {
        this.name = 'evalsha';
        this.args[0] = this.script.sha;
      }
      return super.toWritable(socket);
    }

    forgetSocket(): void {
      if (this.socket) this.script.sentOn.delete(this.socket);
    }
  };
  return ScriptCallClass;
}

/**
 * Sends one call (`keys`: the number of keys, or undefined when the first argument says it), and once more, as EVAL on
 * that socket, if the server answered that it no longer has the script.
 */
async function callScript(redis: Redis, script: LuaScript, keys: string | undefined, args: string[]): Promise<unknown> {
  const argumentsOf = () => (keys === undefined ? [script.sha, ...args] : [script.sha, keys, ...args]);
  const ScriptCall = scriptCallClass();
  const call = new ScriptCall(script, argumentsOf());
  redis.sendCommand(call);
  try {
    return await call.promise;
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    call.forgetSocket();
    const again = new ScriptCall(script, argumentsOf());
    redis.sendCommand(again);
    return again.promise;
  }
}

/**
 * A Lua script as a command of this connection (EVALSHA, the text sent once per socket: `scriptCallClass`). The returned
 * function takes the script's keys, then its arguments, in the order `Args` names them. With `numberOfKeys` undefined
 * the script takes any number of keys, and the first argument says how many.
 */
export function luaCommand<Args extends string[]>(
  redis: Redis,
  numberOfKeys: number | undefined,
  lua: string,
): (...args: Args) => Promise<unknown> {
  const script = scriptOf(lua);
  const keys = numberOfKeys === undefined ? undefined : String(numberOfKeys);
  return (...args) => callScript(redis, script, keys, args);
}

/**
 * The fencing token a partition owner holds (docs/architecture.md#fencing): its writes on the partition's behalf are
 * conditional on `key` (the partition's token in Redis) still holding `token`. `refused` is told when one was not:
 * a newer owner holds the partition, and this instance steps back.
 */
export interface Fence {
  key: string;
  token: number;
  refused(): void;
}

/** The error reply of a fenced script whose token is no longer the partition's. */
const FENCED = 'FENCED';

/** A write refused because a newer owner holds the partition (its fencing token moved on). */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
}

/**
 * A write script conditional on a fencing token, in the same round trip as the write: KEYS[1] is the partition's token
 * key and ARGV[1] the token the writer holds ('' for a writer that does not act as the partition's owner, whose write
 * is unconditional). The script's own keys follow from KEYS[2], its arguments from ARGV[2].
 */
export function fencedLua(body: string): string {
  return `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('${FENCED} a newer owner holds this partition') end
${body}`;
}

/**
 * A fenced write script (fencedLua) as a command: called with the writer's fence (undefined: unconditional), then the
 * script's own keys and arguments. A refusal calls `fence.refused()` and rejects with FencedOut; `unfencedKey` is sent
 * as KEYS[1] when there is no fence (the script does not read it then).
 */
export function fencedCommand<Keys extends string[], Args extends string[]>(
  redis: Redis,
  numberOfKeys: number,
  body: string,
  unfencedKey: string,
): (fence: Fence | undefined, keys: Keys, args: Args) => Promise<unknown> {
  const command = luaCommand<string[]>(redis, numberOfKeys + 1, fencedLua(body));
  return async (fence, keys, args) => {
    try {
      return await command(fence?.key ?? unfencedKey, ...keys, fence ? String(fence.token) : '', ...args);
    } catch (err) {
      if (fence && isFencedReply(err)) {
        fence.refused();
        throw new FencedOut(`partition fencing token ${fence.token} is stale: a newer owner holds the partition`);
      }
      throw err;
    }
  };
}

/** Whether a Redis error is a fenced script's refusal. */
export function isFencedReply(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(FENCED);
}
