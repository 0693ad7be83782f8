# Reconcile (docs/design.md, "Reconcile"): the reconcileArtifacts function repairs drift between the bucket and the rows (a
# manifest without its row is recorded, a live row without its manifest is marked deleted, unreferenced
# objects older than the grace period are removed), run by Cloud Scheduler. The same work as
# `artifact-store reconcile`; idempotent, so a run cut short is finished by the next one.

# An HTTP service reachable only from inside Google (Cloud Scheduler of this project counts as internal) and
# only with the scheduler's token. One instance serving one request: two runs never overlap.
resource "google_cloudfunctions2_function" "reconcile" {
  name        = "${var.name_prefix}-reconcile"
  location    = var.region
  description = "Artifact store reconcile: repairs drift between the bucket and project_files (run by Cloud Scheduler)."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "reconcileArtifacts"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.function_source["reconcileArtifacts"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.reconcile.email
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    # It reads manifests of up to 64 MiB, one at a time.
    available_memory                 = "1Gi"
    available_cpu                    = "1"
    max_instance_request_concurrency = 1
    min_instance_count               = 0
    max_instance_count               = 1
    # The longest an HTTP function may run; what a run leaves undone, the next one does.
    timeout_seconds                = 3600
    all_traffic_on_latest_revision = true

    environment_variables = {
      GOOGLE_CLOUD_PROJECT    = var.project_id
      ARTIFACT_BUCKET         = google_storage_bucket.artifacts.name
      SUPABASE_URL            = var.supabase_url
      RECONCILE_GRACE_MINUTES = tostring(var.reconcile_grace_minutes)
      ARTIFACT_EVENTS_TOPIC   = google_pubsub_topic.events.id
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

# A whole-bucket pass on the schedule: POST {} with an OIDC token of the scheduler's own account, whose one
# grant is run.invoker on this function. Cloud Scheduler waits 30 minutes at most (its limit for HTTP
# targets); a longer run goes on up to the function's timeout and logs its counts ("reconcile done"). A
# retry that finds the run still going is refused (one instance, one request) and retried later.
resource "google_cloud_scheduler_job" "reconcile" {
  name             = "${var.name_prefix}-reconcile"
  region           = google_cloudfunctions2_function.reconcile.location
  description      = "Runs the artifact store reconcile (${google_cloudfunctions2_function.reconcile.name})."
  schedule         = var.reconcile_schedule
  time_zone        = var.reconcile_time_zone
  attempt_deadline = "1800s"

  retry_config {
    retry_count          = 2
    min_backoff_duration = "300s"
    max_backoff_duration = "900s"
    max_doublings        = 1
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.reconcile.service_config[0].uri
    body        = base64encode(jsonencode({}))
    headers = {
      "Content-Type" = "application/json"
    }
    oidc_token {
      service_account_email = google_service_account.reconcile_scheduler.email
      # Cloud Run checks the token's audience against the service URL.
      audience = google_cloudfunctions2_function.reconcile.service_config[0].uri
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_cloud_run_service_iam_member.reconcile_invoker,
  ]
}
