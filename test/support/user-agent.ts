import { CookieJar } from 'tough-cookie';
import { parse, type HTMLElement } from 'node-html-parser';

export interface PageResponse {
  status: number;
  url: string;
  location: string | null;
  html: string;
  headers: Headers;
}

/**
 * A minimal browser for HTTP-level flows: a cookie jar, manual redirects, and form submission that sends
 * every input of a form (hidden CSRF fields included), as the hosted-UI contract says a client does.
 */
export class UserAgent {
  readonly jar = new CookieJar();
  private readonly send: typeof fetch;

  /** `fetch` replaces the network, so a test can route a real authority's URL to a loopback fake. */
  constructor(options: { fetch?: typeof fetch } = {}) {
    this.send = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async request(url: string, init: { method?: string; body?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    const cookie = await this.jar.getCookieString(url);
    const response = await this.send(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...init.headers },
      ...(init.body ? { body: init.body.toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) await this.jar.setCookie(header, url, { ignoreError: true });
    const location = response.headers.get('location');
    return { status: response.status, url, location: location ? new URL(location, url).toString() : null, html: await response.text(), headers: response.headers };
  }

  /** GETs `url` and follows redirects until one leaves for `stopAtPrefix` (the app's redirect_uri) or a page renders. */
  async navigate(url: string, stopAtPrefix?: string): Promise<PageResponse> {
    return this.follow(await this.request(url), stopAtPrefix);
  }

  /** Follows `response`'s redirects until one leaves for `stopAtPrefix` or a page renders. */
  async follow(first: PageResponse, stopAtPrefix?: string): Promise<PageResponse> {
    let response = first;
    for (let hops = 0; hops < 10 && response.location && !(stopAtPrefix && response.location.startsWith(stopAtPrefix)); hops += 1) {
      response = await this.request(response.location);
    }
    return response;
  }

  /** Submits the form matching `selector` on `page`, overriding some fields, and returns the raw response. */
  async submit(page: PageResponse, selector: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<PageResponse> {
    const form = findForm(page.html, selector);
    const body = new URLSearchParams();
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      if (name && !(name in fields)) body.set(name, input.getAttribute('value') ?? '');
    }
    for (const [key, value] of Object.entries(fields)) body.set(key, value);
    const action = new URL(form.getAttribute('action') ?? page.url, page.url).toString();
    return this.request(action, { method: (form.getAttribute('method') ?? 'GET').toUpperCase(), body, headers });
  }
}

export function findForm(html: string, selector: string): HTMLElement {
  const form = parse(html).querySelector(selector);
  if (!form) throw new Error(`no ${selector} on page:\n${html.slice(0, 500)}`);
  return form;
}

export function alertText(html: string): string | undefined {
  return parse(html).querySelector('[role="alert"]')?.text.trim();
}
