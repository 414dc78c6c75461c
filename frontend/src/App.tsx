import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, NavLink, Route, Routes, useLocation } from "react-router-dom";
import {
  ActionIcon,
  AppShell,
  Burger,
  Button,
  Group,
  NavLink as MNavLink,
  Text,
  Title,
  useComputedColorScheme,
  useMantineColorScheme,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useAuth } from "./auth";
import { LiveProvider } from "./lib/live";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Loading } from "./components/States";
import { LoginPage, SignupPage } from "./pages/Login";

const Overview = lazy(() => import("./pages/Overview"));
const Beds = lazy(() => import("./pages/Beds"));
const BedNew = lazy(() => import("./pages/BedNew"));
const BedDetail = lazy(() => import("./pages/BedDetail"));
const Job = lazy(() => import("./pages/Job"));
const Jobs = lazy(() => import("./pages/Jobs"));
const Results = lazy(() => import("./pages/Results"));
const Studies = lazy(() => import("./pages/Studies"));
const Projects = lazy(() => import("./pages/Projects"));
const Account = lazy(() => import("./pages/Account"));
const Admin = lazy(() => import("./pages/Admin"));

const NAV = [
  ["/", "Overview"],
  ["/beds", "Beds"],
  ["/jobs", "Jobs"],
  ["/results", "Results"],
  ["/studies", "Studies"],
  ["/projects", "Projects"],
  ["/account", "Account & tokens"],
] as const;

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme("light");
  const next = scheme === "dark" ? "light" : "dark";
  return (
    <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} theme`} onClick={() => setColorScheme(next)}>
      <span aria-hidden="true">{scheme === "dark" ? "☀" : "☾"}</span>
    </ActionIcon>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { user, logout } = useAuth();
  const { pathname } = useLocation();
  const nav = user?.role === "admin" ? [...NAV, ["/admin", "Admin"] as const] : NAV;
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h3">bedflow</Title>
          </Group>
          <Group gap="xs">
            <Text size="sm" visibleFrom="sm" c="dimmed">{user?.email}</Text>
            <ThemeToggle />
            <Button variant="default" size="xs" onClick={() => void logout()}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {nav.map(([to, label]) => (
          <MNavLink
            key={to}
            component={NavLink}
            to={to}
            label={label}
            onClick={close}
            active={to === "/" ? pathname === "/" : pathname.startsWith(to)}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <main>
          <ErrorBoundary>
            <Suspense fallback={<Loading />}>{children}</Suspense>
          </ErrorBoundary>
        </main>
      </AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const { user, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading label="Checking sign-in" />;
  if (!user) {
    return (
      <Routes>
        <Route path="/signup" element={<SignupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname }} />} />
      </Routes>
    );
  }
  return (
    <LiveProvider enabled={!!user}>
      <Shell>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/beds" element={<Beds />} />
          <Route path="/beds/new" element={<BedNew />} />
          <Route path="/beds/:id" element={<BedDetail />} />
          <Route path="/jobs" element={<Jobs />} />
          <Route path="/jobs/:id" element={<Job />} />
          <Route path="/results" element={<Results />} />
          <Route path="/studies" element={<Studies />} />
          <Route path="/studies/:id" element={<Studies />} />
          <Route path="/projects" element={<Projects />} />
          <Route path="/account" element={<Account />} />
          <Route path="/admin" element={<Admin />} />
          <Route path="/login" element={<Navigate to="/" replace />} />
          <Route path="/signup" element={<Navigate to="/" replace />} />
          <Route path="*" element={<Text>Page not found.</Text>} />
        </Routes>
      </Shell>
    </LiveProvider>
  );
}
