import type { SecureVersion } from 'node:tls';

/**
 * One TLS policy for every listener (REST, gRPC, ops never has TLS): TLS 1.2 or newer, and for
 * TLS 1.2 only ECDHE key exchange (forward secrecy) with AEAD ciphers (GCM, ChaCha20-Poly1305) —
 * no static-RSA key exchange, no CBC. TLS 1.3's own suites are all ECDHE + AEAD and stay enabled.
 */
export const TLS_MIN_VERSION: SecureVersion = 'TLSv1.2';

export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Options for node:tls / node:https / node:http2 servers. */
export const TLS_SERVER_POLICY = {
  minVersion: TLS_MIN_VERSION,
  ciphers: TLS12_CIPHERS,
  honorCipherOrder: true,
} as const;
