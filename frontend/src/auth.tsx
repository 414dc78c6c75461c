import { createContext, useContext, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "./api/client";
import { getConfig, signIn, signOut, type PublicConfig } from "./api/web";

interface Auth {
  user: Schemas["UserPublic"] | null;
  loading: boolean;
  config: PublicConfig | undefined;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const config = useQuery({ queryKey: ["config"], queryFn: getConfig, staleTime: Infinity });
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      const r = await api.GET("/api/v1/users/me");
      if (r.response.status === 401) return null;
      return unwrap(Promise.resolve(r));
    },
    retry: false,
    staleTime: 60_000,
  });
  // Another user's data must not show: drop every cached answer but the sign-in's own.
  const forgetOthers = () => qc.removeQueries({ predicate: (q) => !["me", "config"].includes(String(q.queryKey[0])) });
  const value: Auth = {
    user: me.data ?? null,
    loading: me.isLoading,
    config: config.data,
    async login(email, password) {
      await signIn(email, password);
      forgetOthers();
      await me.refetch();
    },
    async logout() {
      try {
        await signOut();
      } finally {
        qc.setQueryData(["me"], null);
        forgetOthers();
      }
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}
