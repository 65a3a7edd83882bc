import { AppShell, Badge, Button, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { tokenStore } from '../api/client';
import { AuditPage } from '../features/audit/AuditPage';
import { BreakersPage } from '../features/breakers/BreakersPage';
import { ExplainPage } from '../features/explain/ExplainPage';
import { RulesPage } from '../features/rules/RulesPage';
import { SchedulePage } from '../features/schedule/SchedulePage';
import { SignInPage } from '../features/session/SignInPage';
import { RoleContext } from '../features/session/role';
import { useSession, useSignOut } from '../features/session/session';
import { TrafficPage } from '../features/traffic/TrafficPage';
import { TransferPage } from '../features/transfer/TransferPage';
import { WindowsPage } from '../features/windows/WindowsPage';
import { ROUTES, can, useRoute } from './routes';

const PAGES: Record<string, () => React.JSX.Element> = {
  rules: RulesPage,
  windows: WindowsPage,
  schedule: SchedulePage,
  explain: ExplainPage,
  traffic: TrafficPage,
  breakers: BreakersPage,
  audit: AuditPage,
  transfer: TransferPage,
};

export function App() {
  const [token, setToken] = useState(tokenStore.get);
  const session = useSession(token);
  const [route, navigate] = useRoute();
  const signOut = useSignOut(() => setToken(null));

  if (!token || session.isError) return <SignInPage onSignedIn={setToken} />;
  if (!session.data) return <Loader m="xl" />;
  const role = session.data.role;
  const visible = ROUTES.filter((r) => can(role, r.role));
  const active = visible.find((r) => r.path === route) ?? visible[0];
  const Page = PAGES[active.path];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 'sm' }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>Rule Center</Title>
          <Group>
            <Text size="sm" data-testid="signed-in-as">
              {session.data.name}
            </Text>
            <Badge data-testid="role">{role}</Badge>
            <Button variant="subtle" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Pages">
        {visible.map((r) => (
          <NavLink
            key={r.path}
            label={r.label}
            href={`#/${r.path}`}
            active={r.path === active.path}
            onClick={(e) => {
              e.preventDefault();
              navigate(r.path);
            }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <RoleContext.Provider value={role}>
          <Page />
        </RoleContext.Provider>
      </AppShell.Main>
    </AppShell>
  );
}
