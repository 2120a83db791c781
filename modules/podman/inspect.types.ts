/**
 * The parts of `podman inspect` output (podman 4.x) the modules read. Everything is optional:
 * podman prints null for empty lists and maps, and versions add or drop fields.
 */

export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  /** Id of the image the container was created from. */
  Image: string;
  ImageName?: string;
  Pod?: string;
  State: {
    Status: string;
    Running: boolean;
    Health?: { Status: string; FailingStreak?: number; Log?: { ExitCode: number; Output: string }[] | null };
  };
  BoundingCaps?: string[] | null;
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[] | null;
  NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null }> | null };
  Config: {
    User?: string;
    Env?: string[] | null;
    Cmd?: string[] | null;
    /** A string in podman 4 (the words joined by spaces). */
    Entrypoint?: string | string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    Healthcheck?: HealthConfig | null;
    StopTimeout?: number;
    CreateCommand?: string[] | null;
  };
  HostConfig: {
    NetworkMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    RestartPolicy?: { Name: string; MaximumRetryCount: number };
    Memory?: number;
    NanoCpus?: number;
    PidsLimit?: number;
    ReadonlyRootfs?: boolean;
  };
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  Digest?: string;
  Labels?: Record<string, string> | null;
  User?: string;
  Healthcheck?: HealthConfig | null;
  Config?: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string> | null;
    Volumes?: Record<string, unknown> | null;
    Healthcheck?: HealthConfig | null;
  };
}

export interface NetworkInspect {
  name: string;
  driver: string;
  subnets?: { subnet: string; gateway?: string }[] | null;
  internal?: boolean;
  dns_enabled?: boolean;
  ipv6_enabled?: boolean;
  labels?: Record<string, string> | null;
}

export interface VolumeInspect {
  Name: string;
  Driver: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

export interface PodInspect {
  Id: string;
  Name: string;
  State: string;
  Labels?: Record<string, string> | null;
  InfraConfig?: {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    Networks?: string[] | null;
  } | null;
  Containers?: { Id: string; Name: string; State: string }[] | null;
}
