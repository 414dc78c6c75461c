// The solvers a job may name on this installation: those an admin left enabled (GET /engines
// answers every signed-in user); the bed schema's list only until the server has answered.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { useBedChoices } from "./bedSchema";

export function useEnabledSolvers(): string[] {
  const engines = useQuery({ queryKey: ["engine-choices"], queryFn: () => unwrap(api.GET("/api/v1/engines")) });
  const choices = useBedChoices();
  return engines.data
    ? engines.data.data.filter((e) => e.kind === "solver" && e.enabled).map((e) => e.name)
    : (choices.data?.solvers ?? []);
}
