/**
 * The launches a device run used, for the training payload: the backend is wrapped so that every model it compiles
 * is seen, and a compiled WebGPU model names the launch of each tunable operation and where it came from (the
 * tuning cache %tune writes, the table shipped for the adapter's class, or the operator's default).
 */
import { isDeviceBackend, type Backend, type DeviceBackend, type DeviceModel } from "@deltalab/core";
import type { LaunchSource, TrainingLaunch } from "@deltalab/core/payloads";
import { GpuModel } from "@deltalab/shaders";

/** `backend` with `onCompiled` called with the launches of every model it compiles; other backends unchanged. */
export function reportingLaunches(
  backend: Backend,
  onCompiled: (launches: TrainingLaunch[]) => void,
): Backend {
  if (!isDeviceBackend(backend)) return backend;
  const reporting: DeviceBackend = {
    ...backend,
    async compile(model, options) {
      const compiled: DeviceModel = await backend.compile(model, options);
      if (compiled instanceof GpuModel) onCompiled(compiled.launchesUsed());
      return compiled;
    },
  };
  return reporting;
}

/** How many launches came from each source, e.g. "3 tuned, 2 default". */
export function launchSummary(launches: readonly TrainingLaunch[]): string {
  const counts = new Map<LaunchSource, number>();
  for (const { source } of launches) counts.set(source, (counts.get(source) ?? 0) + 1);
  return [...counts].map(([source, count]) => `${count} ${source}`).join(", ");
}
