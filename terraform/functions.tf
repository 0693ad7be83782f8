# The gen2 functions from one source tree, each from its own bundle (dist/functions/<entry point>), each
# with its own service account: the API, the store and the sync here, the reconcile function in reconcile.tf.
# Configuration: docs/design.md, "Configuration" and shared/platform/config.ts (the tests check every variable a function requires is set).

# Images Cloud Build makes from the sources, in a repository of our own so the build account needs no
# project-wide Artifact Registry access.
resource "google_artifact_registry_repository" "functions" {
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  format        = "DOCKER"
  description   = "Container images of the artifact store functions (built by Cloud Build)."

  cleanup_policy_dry_run = false
  # The image a function runs is always among its newest few; older ones only cost storage.
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}

# HTTP API (docs/design.md, "API"): public endpoint; authorization is the Supabase JWT it verifies itself.
resource "google_cloudfunctions2_function" "api" {
  name        = "${var.name_prefix}-api"
  location    = var.region
  description = "Artifact store HTTP API: get, list, visuals and delete of a tenant's artifacts."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "artifactsApi"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.function_source["artifactsApi"].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.api.email
    ingress_settings                 = "ALLOW_ALL"
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    max_instance_request_concurrency = var.api_concurrency
    min_instance_count               = var.api_min_instances
    max_instance_count               = var.api_max_instances
    timeout_seconds                  = 60
    all_traffic_on_latest_revision   = true

    environment_variables = {
      GOOGLE_CLOUD_PROJECT = var.project_id
      ARTIFACT_BUCKET      = google_storage_bucket.artifacts.name
      SUPABASE_URL         = var.supabase_url
      TENANT_CLAIM         = var.tenant_claim
      CORS_ORIGINS         = join(",", var.cors_origins)
      # Visuals are served by short-lived V4 signed URLs, signed by the API's own service account (signBlob).
      VISUAL_URL_MODE = "signed"
      # The full topic path (projects/<project>/topics/<name>): artifact.deleted and alias.moved.
      ARTIFACT_EVENTS_TOPIC = google_pubsub_topic.events.id
    }

    secret_environment_variables {
      key        = "SUPABASE_SERVICE_ROLE_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.service_role_key.secret_id
      version    = google_secret_manager_secret_version.service_role_key.version
    }
    secret_environment_variables {
      key        = "SUPABASE_JWT_SECRET"
      project_id = var.project_id
      secret     = google_secret_manager_secret.jwt_secret.secret_id
      version    = google_secret_manager_secret_version.jwt_secret.version
    }
  }

  depends_on = [time_sleep.iam_propagation]
}

# Store (docs/design.md: "Store request", "Objects in the bucket", "Policy", "Bad input and failures"): an HTTP service in Cloud Run's terms, a CloudEvent function in the code's (the
# framework converts the Pub/Sub push). Reachable only from inside Google (Pub/Sub push) and only with the
# push subscription's token.
resource "google_cloudfunctions2_function" "store" {
  name        = "${var.name_prefix}-store"
  location    = var.region
  description = "Artifact store: evaluates the materialization policy and writes artifacts to the bucket (fed by the push subscription)."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "storeArtifact"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.function_source["storeArtifact"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.store.email
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    available_memory      = var.store_memory
    available_cpu         = "1"
    # One request per instance: a request may carry a 64 MiB artifact.
    max_instance_request_concurrency = 1
    min_instance_count               = 0
    max_instance_count               = var.store_max_instances
    timeout_seconds                  = var.store_timeout_seconds
    all_traffic_on_latest_revision   = true

    environment_variables = {
      GOOGLE_CLOUD_PROJECT   = var.project_id
      ARTIFACT_BUCKET        = google_storage_bucket.artifacts.name
      SUPABASE_URL           = var.supabase_url
      MATERIALIZATION_POLICY = local.materialization_policy_json
      # artifact.rejected and artifact.ephemeral.
      ARTIFACT_EVENTS_TOPIC = google_pubsub_topic.events.id
    }

    secret_environment_variables {
      key        = "SUPABASE_SERVICE_ROLE_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.service_role_key.secret_id
      version    = google_secret_manager_secret_version.service_role_key.version
    }
  }

  depends_on = [time_sleep.iam_propagation]
}

# Metadata sync (docs/design.md, "The row"): one deployment per object event type, same code, same service account.
# RETRY_POLICY_RETRY: a thrown (transient) error is retried by Eventarc with backoff for up to 24 hours.
resource "google_cloudfunctions2_function" "sync" {
  for_each = {
    finalized = "google.cloud.storage.object.v1.finalized"
    deleted   = "google.cloud.storage.object.v1.deleted"
  }

  name        = "${var.name_prefix}-sync-${each.key}"
  location    = var.region
  description = "Artifact store metadata sync on ${each.value}: keeps project_files in step with the bucket."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "syncArtifactMetadata"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.function_source["syncArtifactMetadata"].name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.sync.email
    ingress_settings                 = "ALLOW_INTERNAL_ONLY"
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    max_instance_request_concurrency = 20
    min_instance_count               = 0
    max_instance_count               = var.sync_max_instances
    timeout_seconds                  = var.sync_timeout_seconds
    all_traffic_on_latest_revision   = true

    environment_variables = {
      GOOGLE_CLOUD_PROJECT = var.project_id
      ARTIFACT_BUCKET      = google_storage_bucket.artifacts.name
      SUPABASE_URL         = var.supabase_url
      # artifact.version_created, alias.moved and artifact.deleted, after the row is recorded.
      ARTIFACT_EVENTS_TOPIC = google_pubsub_topic.events.id
    }

    secret_environment_variables {
      key        = "SUPABASE_SERVICE_ROLE_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.service_role_key.secret_id
      version    = google_secret_manager_secret_version.service_role_key.version
    }
  }

  event_trigger {
    trigger_region        = local.trigger_region
    event_type            = each.value
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.sync_trigger.email
    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.artifacts.name
    }
  }

  depends_on = [time_sleep.iam_propagation]
}
