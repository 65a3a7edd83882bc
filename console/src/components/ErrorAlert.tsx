import { Alert, List } from '@mantine/core';
import { ApiError } from '../api/client';

/** An API error as the service worded it: one line per problem. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const lines = error instanceof ApiError ? error.lines : [String(error)];
  const heading =
    title ?? (error instanceof ApiError ? `${error.status} ${error.body.error}` : 'Error');
  return (
    <Alert color="red" role="alert" title={heading}>
      {lines.length === 1 ? (
        lines[0]
      ) : (
        <List size="sm">
          {lines.map((l) => (
            <List.Item key={l}>{l}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
