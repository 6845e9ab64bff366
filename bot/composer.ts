import { Composer as GrammyComposer, type Context, type Middleware, type MiddlewareFn, type NextFunction } from 'grammy';

type Predicate<C> = (ctx: C) => boolean | Promise<boolean>;

/**
 * grammY's Composer with cheaper plumbing, for the features: every update walks the handlers of every feature before
 * its own (a menu button passes about thirty filters), and grammY's plumbing was a tenth of the bot's CPU there.
 *
 * - `filter` (which `on`, `hears`, `command`, `chatType`, `callbackQuery` and `drop` go through) checks its predicate
 *   and runs the branch or passes the update on. grammY builds it on `lazy`: per update and filter, two async
 *   wrappers around the predicate and a fresh Composer around the branch.
 * - `use` appends to a list walked by index, where grammY nests two async closures per handler: a filter that does
 *   not match passes the update on without a promise of its own.
 *
 * The routing is grammY's: the same order, `next` once at most, a branch added to later still counts, errors (thrown
 * or rejected) reach the caller as a rejected promise.
 */
export class Composer<C extends Context> extends GrammyComposer<C> {
  private readonly steps: MiddlewareFn<C>[] = [];
  private readonly run: MiddlewareFn<C> = (ctx, next) => step(this.steps, 0, ctx, next);

  constructor(...middleware: Array<Middleware<C>>) {
    super();
    for (const m of middleware) this.steps.push(toFn(m));
  }

  override middleware(): MiddlewareFn<C> {
    return this.run;
  }

  override use(...middleware: Array<Middleware<C>>): Composer<C> {
    const composer = new Composer<C>(...middleware);
    this.steps.push(composer.middleware());
    return composer;
  }

  override filter<D extends C>(predicate: (ctx: C) => ctx is D, ...middleware: Array<Middleware<D>>): Composer<D>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C>;
  override filter(predicate: Predicate<C>, ...middleware: Array<Middleware<C>>): Composer<C> {
    const branch = new Composer<C>(...middleware);
    const run = branch.middleware();
    this.steps.push((ctx, next) => {
      const matches = predicate(ctx);
      // Truthiness, as grammY's `filter` reads a predicate's answer (a promise is awaited first).
      if (matches instanceof Promise) return matches.then((yes) => (yes ? run(ctx, next) : next()));
      return matches ? run(ctx, next) : next();
    });
    return branch;
  }
}

const toFn = <C extends Context>(m: Middleware<C>): MiddlewareFn<C> => (typeof m === 'function' ? m : (ctx, next) => m.middleware()(ctx, next));

/** Runs `steps[i]` with a `next` that runs the rest, then the caller's `next`. */
function step<C extends Context>(steps: MiddlewareFn<C>[], i: number, ctx: C, next: NextFunction): Promise<void> {
  if (i === steps.length) return next();
  let called = false;
  try {
    const result = steps[i]!(ctx, () => {
      if (called) return Promise.reject(new Error('`next` already called before!'));
      called = true;
      return step(steps, i + 1, ctx, next);
    });
    // What the promise resolves to is never read (grammY awaits and drops it), so a native one is handed on as it is.
    if (result instanceof Promise) return result as Promise<void>;
    return isThenable(result) ? Promise.resolve(result).then(ignore) : DONE;
  } catch (error) {
    return Promise.reject(error);
  }
}

const DONE: Promise<void> = Promise.resolve();
const ignore = (): void => undefined;
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
