import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON answers never need to load anything, nor be framed. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI: its own scripts and styles (one inline <style>), data: icons, the spec from here. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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
    res.setHeader(
      'Content-Security-Policy',
      (req.url ?? '').startsWith('/api/docs') ? DOCS_CSP : API_CSP,
    );
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}
