output "api_url" {
  description = "URL of the HTTP API function; the artifact routes are under /api/artifacts."
  value       = google_cloudfunctions2_function.api.service_config[0].uri
}

output "api_base_url" {
  description = "Base URL of the artifact routes (GET/DELETE <base>/<id>, GET <base>?artifact_type=...)."
  value       = "${google_cloudfunctions2_function.api.service_config[0].uri}/api/artifacts"
}

output "request_topic" {
  description = "The topic producers publish store requests to (ARTIFACT_STORE_TOPIC)."
  value       = google_pubsub_topic.requests.name
}

output "request_topic_id" {
  description = "Full resource name of the request topic."
  value       = google_pubsub_topic.requests.id
}

output "events_topic" {
  description = "The topic the store publishes its events to (ARTIFACT_EVENTS_TOPIC); subscribe to it, filtering on the attributes event, tenant_id and artifact_type (docs/deploy.md, \"Events\")."
  value       = google_pubsub_topic.events.name
}

output "events_topic_id" {
  description = "Full resource name of the events topic (projects/<project>/topics/<name>), as the functions get it."
  value       = google_pubsub_topic.events.id
}

output "dead_letter_topic" {
  description = "Where requests go after max_delivery_attempts failed deliveries."
  value       = google_pubsub_topic.dead_letter.name
}

output "dead_letter_subscription" {
  description = "Pull subscription holding the dead letters (31 days) for inspection and replay."
  value       = google_pubsub_subscription.dead_letter.name
}

output "artifact_bucket" {
  description = "The artifact bucket (ARTIFACT_BUCKET)."
  value       = google_storage_bucket.artifacts.name
}

output "function_names" {
  description = "The deployed functions, by role."
  value = {
    api            = google_cloudfunctions2_function.api.name
    store          = google_cloudfunctions2_function.store.name
    sync_finalized = google_cloudfunctions2_function.sync["finalized"].name
    sync_deleted   = google_cloudfunctions2_function.sync["deleted"].name
    reconcile      = google_cloudfunctions2_function.reconcile.name
  }
}

output "service_accounts" {
  description = "The service accounts this configuration created, by role."
  value = {
    api                 = google_service_account.api.email
    store               = google_service_account.store.email
    store_push          = google_service_account.store_push.email
    sync                = google_service_account.sync.email
    sync_trigger        = google_service_account.sync_trigger.email
    reconcile           = google_service_account.reconcile.email
    reconcile_scheduler = google_service_account.reconcile_scheduler.email
    build               = google_service_account.build.email
  }
}

output "reconcile_url" {
  description = "URL of the reconcile function (internal ingress: reachable from Cloud Scheduler, not from the internet)."
  value       = google_cloudfunctions2_function.reconcile.service_config[0].uri
}

output "reconcile_job" {
  description = "The Cloud Scheduler job that runs reconcile; run it now with: gcloud scheduler jobs run <job> --location <region>."
  value       = google_cloud_scheduler_job.reconcile.name
}

output "cli_environment" {
  description = "Environment for a producer, or for the CLI against this deployment (npx artifact-store publish|get|list|delete); add SUPABASE_JWT_SECRET or ARTIFACT_STORE_TOKEN for the API calls."
  value = {
    GOOGLE_CLOUD_PROJECT     = var.project_id
    ARTIFACT_BUCKET          = google_storage_bucket.artifacts.name
    ARTIFACT_STORE_TOPIC     = google_pubsub_topic.requests.name
    ARTIFACT_STORE_TRANSPORT = "pubsub"
    ARTIFACTS_API_URL        = google_cloudfunctions2_function.api.service_config[0].uri
  }
}
