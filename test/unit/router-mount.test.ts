import Router from '@koa/router';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { mountLazily, mountRoutes, mountTogether, routeSegments } from '../../src/http/router-mount.js';

async function call(app: Koa, path: string, method = 'GET'): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    return await (await fetch(`http://127.0.0.1:${port}${path}`, { method })).text();
  } finally {
    server.close();
  }
}

describe('router mounting', () => {
  it('lists the first path segments of a router, prefix included, and gives up on a leading parameter', () => {
    const admin = new Router({ prefix: '/admin/v1' });
    admin.get('/users', () => {});
    const pages = new Router();
    pages.get('/', () => {});
    pages.post('/interaction/:uid/login', () => {});
    const open = new Router();
    open.get('/:anything', () => {});
    const withUse = new Router();
    withUse.use(async (_ctx, next) => { await next(); });
    withUse.get('/x', () => {});
    expect([...routeSegments(admin)!]).toEqual(['admin']);
    expect([...routeSegments(pages)!].sort()).toEqual(['', 'interaction']);
    expect(routeSegments(open)).toBeNull();
    expect(routeSegments(withUse)).toBeNull();
  });

  it('enters a router only for its segments, case-insensitively as the router matches, and falls through otherwise', async () => {
    const router = new Router();
    router.get('/account/profile', (ctx) => { ctx.body = 'profile'; });
    router.get('/', (ctx) => { ctx.body = 'landing'; });
    const app = new Koa();
    app.use(mountRoutes(router));
    app.use((ctx) => { ctx.body = `fell through ${ctx.path}`; });
    expect(await call(app, '/account/profile')).toBe('profile');
    expect(await call(app, '/ACCOUNT/profile')).toBe('profile');
    expect(await call(app, '/')).toBe('landing');
    expect(await call(app, '/token', 'POST')).toBe('fell through /token');
    expect(await call(app, '/account/other')).toBe('fell through /account/other');
  });

  it('keeps the router marker @koa/router puts on its dispatch, which tracing looks for to name routes', () => {
    const router = new Router();
    router.get('/account', () => {});
    expect((mountRoutes(router) as unknown as { router?: Router }).router).toBe(router);
  });

  it('builds a lazily mounted router once, on the first request of its segments and methods, and lets others by', async () => {
    let builds = 0;
    const app = new Koa();
    app.use(mountLazily([''], async () => {
      builds += 1;
      const router = new Router();
      router.post('/', (ctx) => { ctx.body = 'operation'; });
      return router;
    }, ['POST']));
    app.use((ctx) => { ctx.body = `fell through ${ctx.method} ${ctx.path}`; });
    expect(await call(app, '/')).toBe('fell through GET /');
    expect(await call(app, '/token', 'POST')).toBe('fell through POST /token');
    expect(builds).toBe(0);
    expect(await call(app, '/', 'POST')).toBe('operation');
    expect(await call(app, '/', 'POST')).toBe('operation');
    expect(builds).toBe(1);
  });

  it('refuses a lazily mounted router with routes outside its segments, and builds again after a failure', async () => {
    let builds = 0;
    const app = new Koa();
    app.silent = true;
    app.use(mountLazily(['admin'], async () => {
      builds += 1;
      const router = new Router();
      router.get('/admin/x', (ctx) => { ctx.body = 'x'; });
      if (builds === 1) router.get('/elsewhere', () => {});
      return router;
    }));
    expect(await call(app, '/admin/x')).toBe('Internal Server Error');
    expect(await call(app, '/admin/x')).toBe('x');
    expect(builds).toBe(2);
  });

  it('mounted together, enters in order only the routers claiming the segment and those claiming every path', async () => {
    const entered: string[] = [];
    const everyPath: Koa.Middleware = async (ctx, next) => { entered.push(`${ctx.method} ${ctx.path}`); await next(); };
    const account = new Router();
    account.get('/account', (ctx) => { ctx.body = 'account'; });
    const open = new Router();
    open.get('/:anything/open', (ctx) => { ctx.body = 'open'; });
    const bridges = new Router();
    bridges.post('/token/introspection', (ctx) => { ctx.body = 'introspection'; });
    bridges.get('/account/linked', (ctx) => { ctx.body = 'linked'; });
    let builds = 0;
    const app = new Koa();
    app.use(mountTogether([
      mountRoutes(account),
      everyPath,
      mountRoutes(open),
      mountRoutes(bridges),
      mountLazily([''], async () => {
        builds += 1;
        const router = new Router();
        router.post('/', (ctx) => { ctx.body = 'operation'; });
        return router;
      }, ['POST']),
    ]));
    app.use((ctx) => { ctx.body = `fell through ${ctx.method} ${ctx.path}`; });

    expect(await call(app, '/ACCOUNT')).toBe('account');
    expect(await call(app, '/account/linked')).toBe('linked');
    expect(await call(app, '/x/open')).toBe('open');
    expect(await call(app, '/token/introspection', 'POST')).toBe('introspection');
    expect(await call(app, '/token', 'POST')).toBe('fell through POST /token');
    expect(await call(app, '/unclaimed')).toBe('fell through GET /unclaimed');
    expect(await call(app, '/')).toBe('fell through GET /');
    expect(builds).toBe(0);
    expect(await call(app, '/', 'POST')).toBe('operation');
    expect(builds).toBe(1);
    // A middleware that names no segment is entered for every request that gets that far, in its place.
    expect(entered).toEqual(['GET /account/linked', 'GET /x/open', 'POST /token/introspection', 'POST /token', 'GET /unclaimed', 'GET /', 'POST /']);
  });
});
