# Identities and what each may do. Every function has its own service account; triggers and builds run as
# accounts of their own, so a runtime identity can neither invoke a function nor build one, and vice versa.
# docs/deploy.md explains each binding.

resource "google_service_account" "api" {
  account_id   = "${var.name_prefix}-api"
  display_name = "Artifact store API (artifactsApi)"
  description  = "Runtime identity of the HTTP API: reads and deletes artifact objects, signs visual URLs."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "store" {
  account_id   = "${var.name_prefix}-store"
  display_name = "Artifact store writer (storeArtifact)"
  description  = "Runtime identity of the store function: creates artifact objects, touches reused visuals, reads staged payloads."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "store_push" {
  account_id   = "${var.name_prefix}-store-push"
  display_name = "Artifact store push subscription"
  description  = "Identity in the OIDC token Pub/Sub pushes requests to the store function with; may only invoke it."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "sync" {
  account_id   = "${var.name_prefix}-sync"
  display_name = "Artifact store metadata sync (syncArtifactMetadata)"
  description  = "Runtime identity of both sync deployments: reads and deletes artifact objects, never creates them (only its quarantine records)."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "sync_trigger" {
  account_id   = "${var.name_prefix}-sync-trigger"
  display_name = "Artifact store storage triggers"
  description  = "Identity Eventarc delivers bucket events to the sync functions with; may only receive events and invoke them."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "reconcile" {
  account_id   = "${var.name_prefix}-reconcile"
  display_name = "Artifact store reconcile (reconcileArtifacts)"
  description  = "Runtime identity of the reconcile function: lists, reads and deletes artifact objects, never creates or changes them."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "reconcile_scheduler" {
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "Artifact store reconcile schedule"
  description  = "Identity in the OIDC token Cloud Scheduler calls the reconcile function with; may only invoke it."
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "Artifact store function builds"
  description  = "Cloud Build identity for the function images: reads the sources, writes images and build logs."
  depends_on   = [google_project_service.enabled]
}

# ---------------------------------------------------------------------------------------------------------
# Custom roles: the predefined object roles either lack delete (objectViewer) or add create and update
# (objectUser, objectAdmin). storage.objects.update changes an object's metadata only, never its bytes.

resource "google_project_iam_custom_role" "object_reader_deleter" {
  role_id     = "${replace(var.name_prefix, "-", "_")}_object_reader_deleter"
  title       = "Artifact store object reader and deleter"
  description = "Read, list and delete objects; never create or overwrite them."
  permissions = ["storage.objects.get", "storage.objects.list", "storage.objects.delete"]
}

# The store touches a visual it reuses (a metadata PATCH: storage.objects.update), so that a reconcile that
# judged it unreferenced earlier cannot delete it any more (its delete is conditional on the metageneration).
resource "google_project_iam_custom_role" "object_writer" {
  role_id     = "${replace(var.name_prefix, "-", "_")}_object_writer"
  title       = "Artifact store object writer"
  description = "Create, read and list objects, and update their metadata. Creating over an existing object would also need delete, which this role lacks: writes are create-only."
  permissions = ["storage.objects.create", "storage.objects.get", "storage.objects.list", "storage.objects.update"]
}

# ---------------------------------------------------------------------------------------------------------
# The artifact bucket.

resource "google_storage_bucket_iam_member" "api_objects" {
  bucket = google_storage_bucket.artifacts.name
  role   = google_project_iam_custom_role.object_reader_deleter.id
  member = google_service_account.api.member
}

resource "google_storage_bucket_iam_member" "sync_objects" {
  bucket = google_storage_bucket.artifacts.name
  role   = google_project_iam_custom_role.object_reader_deleter.id
  member = google_service_account.sync.member
}

# Reconcile lists artifacts/, reads manifests, and removes leftovers and what is left of deleted artifacts;
# it records rows from manifests but never writes an object (its deletes are conditional on the generation,
# and on the metageneration for unreferenced objects, so a visual a store has just reused survives).
resource "google_storage_bucket_iam_member" "reconcile_objects" {
  bucket = google_storage_bucket.artifacts.name
  role   = google_project_iam_custom_role.object_reader_deleter.id
  member = google_service_account.reconcile.member
}

resource "google_storage_bucket_iam_member" "store_objects" {
  bucket = google_storage_bucket.artifacts.name
  role   = google_project_iam_custom_role.object_writer.id
  member = google_service_account.store.member
}

# The store deletes the staged payloads it consumed, and nothing else: no attempt deletes an object it wrote,
# since a racing attempt's committed manifest may reference it (docs/design.md, "Objects in the bucket"; leftovers are reconcile's). Without
# delete under artifacts/ the store can neither remove nor overwrite a manifest or a visual.
resource "google_storage_bucket_iam_member" "store_deletes" {
  bucket = google_storage_bucket.artifacts.name
  role   = google_project_iam_custom_role.object_reader_deleter.id
  member = google_service_account.store.member
  condition {
    title       = "staging-only"
    description = "Consumed claim-check payloads under staging/."
    expression  = "resource.name.startsWith(\"${local.objects}/staging/\")"
  }
}

# The sync function keeps an event it can never handle under quarantine/sync/ (docs/design.md, "Bad input and failures"), create-only, and
# creates nothing anywhere else: it can never resurrect an artifact object.
resource "google_storage_bucket_iam_member" "sync_quarantine" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectCreator"
  member = google_service_account.sync.member
  condition {
    title       = "sync-quarantine-only"
    description = "Quarantine records of the sync function under quarantine/sync/."
    expression  = "resource.name.startsWith(\"${local.objects}/quarantine/sync/\")"
  }
}

# Producers upload claim-check payloads under staging/ and nowhere else.
resource "google_storage_bucket_iam_member" "publishers_staging" {
  for_each = toset(var.publisher_members)
  bucket   = google_storage_bucket.artifacts.name
  role     = "roles/storage.objectCreator"
  member   = each.value
  condition {
    title       = "staging-only"
    description = "Claim-check uploads under staging/."
    expression  = "resource.name.startsWith(\"${local.objects}/staging/\")"
  }
}

# ---------------------------------------------------------------------------------------------------------
# Invocation.

resource "google_cloud_run_service_iam_member" "api_invoker" {
  for_each = toset(var.api_invoker_members)
  project  = var.project_id
  location = google_cloudfunctions2_function.api.location
  service  = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = each.value
}

# Only the push subscription's identity may call the store function.
resource "google_cloud_run_service_iam_member" "store_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.store.location
  service  = google_cloudfunctions2_function.store.name
  role     = "roles/run.invoker"
  member   = google_service_account.store_push.member
}

resource "google_cloud_run_service_iam_member" "sync_invoker" {
  for_each = google_cloudfunctions2_function.sync
  project  = var.project_id
  location = each.value.location
  service  = each.value.name
  role     = "roles/run.invoker"
  member   = google_service_account.sync_trigger.member
}

# Only the reconcile schedule's identity may call the reconcile function.
resource "google_cloud_run_service_iam_member" "reconcile_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.reconcile.location
  service  = google_cloudfunctions2_function.reconcile.name
  role     = "roles/run.invoker"
  member   = google_service_account.reconcile_scheduler.member
}

# Eventarc requires the trigger's identity to hold this project-level role (it has no narrower scope).
resource "google_project_iam_member" "sync_trigger_event_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.sync_trigger.member
}

# Cloud Storage publishes the bucket's events to the Pub/Sub topic Eventarc creates for each trigger; the
# topic does not exist before the trigger, so the grant is project-level (as Google documents).
resource "google_project_iam_member" "gcs_pubsub_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = local.gcs_service_agent
}

# Pub/Sub signs the OIDC tokens of the push subscription and of the Eventarc triggers with these accounts
# (needed explicitly in projects created before April 2021; harmless after).
resource "google_service_account_iam_member" "pubsub_mints_store_push_tokens" {
  service_account_id = google_service_account.store_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_service_account_iam_member" "pubsub_mints_sync_trigger_tokens" {
  service_account_id = google_service_account.sync_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# The API signs V4 URLs for visuals with signBlob on its own account (it has no key file); it may do so for
# itself only.
resource "google_service_account_iam_member" "api_signs_urls" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.api.member
}

# ---------------------------------------------------------------------------------------------------------
# Builds.

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

# Cloud Functions copies each source archive to its own gcf-v2-sources-<number>-<region> bucket, which it
# creates on the first deploy, and the build fetches it from there: project-level, limited to that bucket.
resource "google_project_iam_member" "build_source_reader" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = google_service_account.build.member
  condition {
    title       = "function-sources-only"
    description = "The Cloud Functions source staging bucket of this region."
    expression  = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-${data.google_project.this.number}-${var.region}\")"
  }
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_image_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}
