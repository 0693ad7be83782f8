# The artifact store on GCP (docs/design.md, "Pipeline"): a request topic whose push subscription feeds the store function,
# the artifact bucket whose object events feed the metadata sync function (deployed once per event type),
# the HTTP API, and the reconcile function Cloud Scheduler runs (reconcile.tf). Build the bundles first
# (`npm run build`): the archives are made from dist/functions/.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Folders written by scripts/build.ts; each name is the function its bundle registers (the entry point).
  bundles = toset(["artifactsApi", "reconcileArtifacts", "storeArtifact", "syncArtifactMetadata"])

  bucket_location = coalesce(var.bucket_location, var.region)
  # Storage triggers must live where the bucket is.
  trigger_region = lower(google_storage_bucket.artifacts.location)

  # The policy passed to the store function: the variable, or the shipped default read from the repository
  # (one source of truth with the code's DEFAULT_POLICY; both sides are strings so the types agree).
  materialization_policy_json = (
    var.materialization_policy == null
    ? jsonencode(jsondecode(file("${path.module}/../shared/domain/default-materialization-policy.json")))
    : jsonencode(var.materialization_policy)
  )

  # Google-managed identities of this project.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  gcs_service_agent    = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"

  # IAM condition prefix of the artifact bucket's objects.
  objects = "projects/_/buckets/${var.bucket_name}/objects"

  apis = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    # The reconcile schedule.
    "cloudscheduler.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    # signBlob, which the API's V4 signed URLs call.
    "iamcredentials.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.apis
  project  = var.project_id
  service  = each.value
  # Other workloads of the project may use these APIs too: never switch them off on destroy.
  disable_on_destroy = false
}

data "google_storage_project_service_account" "gcs" {
  project    = var.project_id
  depends_on = [google_project_service.enabled]
}

# New IAM grants take a minute to reach Eventarc and Cloud Build; creating the triggers sooner fails the
# first apply with "permission denied" on the service agents.
resource "time_sleep" "iam_propagation" {
  create_duration = "60s"
  depends_on = [
    google_project_iam_member.gcs_pubsub_publisher,
    google_project_iam_member.sync_trigger_event_receiver,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_source_reader,
    google_storage_bucket_iam_member.build_source_reader,
    google_artifact_registry_repository_iam_member.build_image_writer,
    google_secret_manager_secret_iam_member.service_role_key,
    google_secret_manager_secret_iam_member.jwt_secret,
    # Before the functions start, so their first events are not refused.
    google_pubsub_topic_iam_member.events_publishers,
  ]
}
