import { Alert, Button, Card, Center, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { FormEvent, useState } from 'react';
import { ApiError, api, tokenStore, unwrap } from '../../api/client';

/** Sign in with a bearer token from AUTH_TOKENS (npm start prints this checkout's tokens). */
export function SignInPage({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    tokenStore.set(token.trim());
    try {
      await unwrap(api.GET('/api/v1/session'));
      onSignedIn(token.trim());
    } catch (e) {
      tokenStore.clear();
      setError(e instanceof ApiError ? e.message : 'the service did not answer');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center h="100vh">
      <Card withBorder w={420} padding="xl">
        <form onSubmit={submit} aria-label="Sign in">
          <Stack>
            <Title order={2}>Rule Center</Title>
            <Text size="sm" c="dimmed">
              Sign in with an API token. It is kept in this tab only (sessionStorage) and sent as a
              bearer token.
            </Text>
            <PasswordInput
              label="Token"
              name="token"
              required
              autoFocus
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
            />
            {error && (
              <Alert color="red" role="alert" title="Sign-in failed">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
