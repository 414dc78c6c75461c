import React from "react";
import ReactDOM from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { DEFAULT_THEME, MantineProvider, Notification, createTheme, localStorageColorSchemeManager, type CSSVariablesResolver } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import { App } from "./App";
import { AuthProvider } from "./auth";
import { ApiError } from "./api/client";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers are final; retry only what may pass on a second try.
      retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
      refetchOnWindowFocus: false,
    },
  },
});

// The darker shades and a darker "dimmed" keep text at WCAG AA contrast (axe-core checks it).
const teal = [...DEFAULT_THEME.colors.teal.slice(0, 9), "#06614a"] as unknown as typeof DEFAULT_THEME.colors.teal;
const theme = createTheme({
  colors: { teal },
  primaryColor: "teal",
  primaryShade: { light: 9, dark: 9 },
  defaultRadius: "sm",
  components: {
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { "aria-label": "Close notification" } },
      styles: { description: { color: "var(--mantine-color-text)" } },
    }),
  },
});
const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { "--mantine-color-dimmed": "#5c636a" },
  dark: { "--mantine-color-dimmed": "#b0b3b8" },
});
const colorSchemeManager = localStorageColorSchemeManager({ key: "bedflow-color-scheme" });

ReactDOM.createRoot(document.getElementById("root")!).render(
  <React.StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <AuthProvider>
            <App />
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </React.StrictMode>,
);
