variable "project_id" {
  description = "The GCP project to deploy into (its id, not its number)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a GCP project id: 6-30 characters, lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the Artifact Registry repository and (by default) the artifact bucket."
  type        = string
  default     = "europe-west1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a GCP region such as europe-west1 or us-central1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, service accounts, custom roles, repository). Change it to run two deployments in one project."
  type        = string
  default     = "artifact-store"
  validation {
    # Service account ids are 6-30 characters; the longest suffix is "-sync-trigger" (13).
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 2-16 characters: lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "bucket_name" {
  description = "Name of the artifact bucket (globally unique). The function sources go to \"<bucket_name>-sources\"."
  type        = string
  validation {
    # The same rule as ARTIFACT_BUCKET in shared/platform/config.ts, short enough for the "-sources" suffix.
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,53}[a-z0-9]$", var.bucket_name)) && !can(regex("^goog|google", var.bucket_name))
    error_message = "bucket_name must be 3-55 characters of lower-case letters, digits, '-', '_' and '.', start and end with a letter or digit, and not contain \"google\" or start with \"goog\"."
  }
}

variable "bucket_location" {
  description = "Location of the artifact bucket; null = var.region. A multi-region (EU, US) also works: the storage triggers then run in that multi-region."
  type        = string
  default     = null
  validation {
    condition     = var.bucket_location == null || can(regex("^([a-z]+-[a-z]+[0-9]+|EU|US|ASIA|eu|us|asia)$", var.bucket_location))
    error_message = "bucket_location must be a region (europe-west1) or a multi-region (EU, US, ASIA)."
  }
}

variable "soft_delete_retention_seconds" {
  description = "How long GCS keeps deleted objects recoverable. 0 (default) turns soft delete off, so a deleted or expired artifact is really gone (docs/design.md, API); otherwise 7-90 days in seconds."
  type        = number
  default     = 0
  validation {
    condition     = var.soft_delete_retention_seconds == 0 || (var.soft_delete_retention_seconds >= 604800 && var.soft_delete_retention_seconds <= 7776000)
    error_message = "soft_delete_retention_seconds must be 0 or between 604800 (7 days) and 7776000 (90 days)."
  }
}

variable "topic_name" {
  description = "The request topic orchestrators publish to (ARTIFACT_STORE_TOPIC of the producer). Its dead-letter topic and subscriptions are named after it."
  type        = string
  default     = "artifact-store-requests"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,200}$", var.topic_name)) && !startswith(var.topic_name, "goog")
    error_message = "topic_name must be a Pub/Sub topic name: 3-201 characters, starting with a letter, not with \"goog\"."
  }
}

variable "events_topic_name" {
  description = "The topic the store publishes its events to (ARTIFACT_EVENTS_TOPIC of storeArtifact, syncArtifactMetadata and artifactsApi; docs/deploy.md, \"Events\"). Change it with name_prefix for a second deployment in one project."
  type        = string
  default     = "artifact-store-events"
  validation {
    # The rule of ARTIFACT_EVENTS_TOPIC in shared/platform/config.ts, and Pub/Sub's own.
    condition     = can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$", var.events_topic_name)) && !startswith(var.events_topic_name, "goog")
    error_message = "events_topic_name must be a Pub/Sub topic name: 3-255 characters, starting with a letter, not with \"goog\"."
  }
}

variable "max_delivery_attempts" {
  description = "Deliveries of one request to the store function before Pub/Sub moves it to the dead-letter topic."
  type        = number
  default     = 10
  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100 && floor(var.max_delivery_attempts) == var.max_delivery_attempts
    error_message = "max_delivery_attempts must be an integer from 5 to 100 (Pub/Sub's limits)."
  }
}

variable "publisher_members" {
  description = "IAM members that may publish store requests (e.g. \"serviceAccount:orchestrator@my-project.iam.gserviceaccount.com\"): roles/pubsub.publisher on the topic and object creation under staging/ for claim-check payloads."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.publisher_members : can(regex("^(serviceAccount|user|group|principal|principalSet):.+", m))])
    error_message = "publisher_members must be IAM members such as serviceAccount:x@p.iam.gserviceaccount.com or group:team@example.com (not allUsers)."
  }
}

variable "supabase_url" {
  description = "The Supabase project URL (SUPABASE_URL), e.g. https://abcd1234.supabase.co."
  type        = string
  validation {
    condition     = can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?/?$", var.supabase_url))
    error_message = "supabase_url must be an https:// URL without a path, such as https://abcd1234.supabase.co."
  }
}

variable "supabase_service_role_key" {
  description = "The Supabase service role key (stored in Secret Manager as a new version; it also ends up in the Terraform state, so keep the state private)."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.supabase_service_role_key) >= 20
    error_message = "supabase_service_role_key is too short to be a service role key."
  }
}

variable "supabase_jwt_secret" {
  description = "The Supabase JWT secret the API verifies HS256 tokens with (stored in Secret Manager, and in the Terraform state)."
  type        = string
  sensitive   = true
  validation {
    condition     = length(var.supabase_jwt_secret) >= 32
    error_message = "supabase_jwt_secret must be at least 32 characters."
  }
}

variable "tenant_claim" {
  description = "Dot path of the JWT claim holding the tenant id (TENANT_CLAIM)."
  type        = string
  default     = "app_metadata.tenant_id"
  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$", var.tenant_claim))
    error_message = "tenant_claim must be a dot path of claim names, such as app_metadata.tenant_id."
  }
}

variable "cors_origins" {
  description = "Origins the API allows with CORS (CORS_ORIGINS); empty = no CORS headers."
  type        = list(string)
  default     = []
  validation {
    # The rule of CORS_ORIGINS in shared/platform/config.ts: scheme://host[:port], no wildcard.
    condition     = alltrue([for o in var.cors_origins : can(regex("^https?://[^/?#\\s*@,]+/?$", o))])
    error_message = "Each CORS origin must be scheme://host[:port] (no path, no *), e.g. https://app.example.com."
  }
}

variable "api_invoker_members" {
  description = "Who may reach the API over HTTP (roles/run.invoker on its service). The API checks Supabase JWTs itself, so the default is everyone; narrow it if an organization policy forbids allUsers."
  type        = list(string)
  default     = ["allUsers"]
}

variable "materialization_policy" {
  description = "The materialization policy (docs/design.md, Policy) as an object; passed to the store function as JSON (MATERIALIZATION_POLICY). null = the shipped default, shared/domain/default-materialization-policy.json, read from the repository."
  type        = any
  default     = null
  validation {
    condition = var.materialization_policy == null || try(
      var.materialization_policy.version == 1 && contains(["persist", "ephemeral"], var.materialization_policy.default.mode),
      false,
    )
    error_message = "materialization_policy must be null or an object with version = 1 and default.mode \"persist\" or \"ephemeral\" (the store function validates the rest at start)."
  }
}

variable "store_timeout_seconds" {
  description = "Timeout of the store function; also the push subscription's ack deadline, so Pub/Sub waits exactly as long as the function may run."
  type        = number
  default     = 300
  validation {
    condition     = var.store_timeout_seconds >= 10 && var.store_timeout_seconds <= 600
    error_message = "store_timeout_seconds must be 10-600 (Pub/Sub's largest ack deadline is 600 s)."
  }
}

variable "store_memory" {
  description = "Memory of each store function instance (it decodes artifacts of up to 64 MiB and their visuals)."
  type        = string
  default     = "1Gi"
  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.store_memory))
    error_message = "store_memory must look like 512Mi or 1Gi."
  }
}

variable "store_max_instances" {
  description = "Upper bound of store function instances (each handles one request at a time)."
  type        = number
  default     = 20
  validation {
    condition     = var.store_max_instances >= 1 && var.store_max_instances <= 1000
    error_message = "store_max_instances must be 1-1000."
  }
}

variable "sync_timeout_seconds" {
  description = "Timeout of the metadata sync functions."
  type        = number
  default     = 60
  validation {
    condition     = var.sync_timeout_seconds >= 10 && var.sync_timeout_seconds <= 540
    error_message = "sync_timeout_seconds must be 10-540 (the limit of event-driven functions)."
  }
}

variable "sync_max_instances" {
  description = "Upper bound of instances of each sync function (finalized, deleted)."
  type        = number
  default     = 10
  validation {
    condition     = var.sync_max_instances >= 1 && var.sync_max_instances <= 1000
    error_message = "sync_max_instances must be 1-1000."
  }
}

variable "reconcile_schedule" {
  description = "When Cloud Scheduler runs reconcile (cron, five fields, in reconcile_time_zone). Default: hourly, at minute 17."
  type        = string
  default     = "17 * * * *"
  validation {
    condition     = can(regex("^\\S+( +\\S+){4}$", trimspace(var.reconcile_schedule)))
    error_message = "reconcile_schedule must be a cron expression of five fields, such as \"17 * * * *\"."
  }
}

variable "reconcile_time_zone" {
  description = "Time zone of reconcile_schedule (a tz database name)."
  type        = string
  default     = "Etc/UTC"
  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.reconcile_time_zone))
    error_message = "reconcile_time_zone must be a tz database name such as Etc/UTC or Europe/Berlin."
  }
}

variable "reconcile_grace_minutes" {
  description = "Reconcile removes an unreferenced object only once it is older than this (RECONCILE_GRACE_MINUTES): longer than any store attempt runs, so a store still writing its visuals is never cut short."
  type        = number
  default     = 60
  validation {
    # The store runs at most 600 s (store_timeout_seconds); 15 minutes leaves a margin.
    condition     = var.reconcile_grace_minutes >= 15 && var.reconcile_grace_minutes <= 10080 && floor(var.reconcile_grace_minutes) == var.reconcile_grace_minutes
    error_message = "reconcile_grace_minutes must be an integer from 15 (longer than a store attempt may run) to 10080 (a week)."
  }
}

variable "api_min_instances" {
  description = "Instances of the API kept warm (0 = scale to zero, with a cold start on the first request)."
  type        = number
  default     = 0
  validation {
    condition     = var.api_min_instances >= 0 && var.api_min_instances <= 100
    error_message = "api_min_instances must be 0-100."
  }
}

variable "api_max_instances" {
  description = "Upper bound of API instances."
  type        = number
  default     = 20
  validation {
    condition     = var.api_max_instances >= 1 && var.api_max_instances <= 1000
    error_message = "api_max_instances must be 1-1000."
  }
}

variable "api_concurrency" {
  description = "Requests one API instance serves at once."
  type        = number
  default     = 40
  validation {
    condition     = var.api_concurrency >= 1 && var.api_concurrency <= 1000
    error_message = "api_concurrency must be 1-1000."
  }
}

variable "labels" {
  description = "Labels added to every resource that takes labels (app = \"artifact-store\" is always set)."
  type        = map(string)
  default     = {}
}
