import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON answers never need to load anything, nor be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI: its own scripts and styles (one inline <style>), data: icons, the spec from here. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The console: its own bundled scripts only (no inline script, no eval), styles from its CSS
 * files plus the inline style attributes the component library sets, API calls to this origin.
 */
const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const cspFor = (url: string): string =>
  url.startsWith('/api/docs') ? DOCS_CSP : url.startsWith('/console') ? CONSOLE_CSP : API_CSP;

/**
 * Response headers for every answer: no MIME sniffing, no framing (clickjacking), no referrer,
 * a Content-Security-Policy, and HSTS when the service speaks HTTPS.
 */
export function securityHeaders(https: boolean) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Content-Security-Policy', cspFor(req.url ?? ''));
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}
