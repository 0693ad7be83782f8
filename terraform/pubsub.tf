# Store requests (docs/design.md, "Store request"). A gen2 function's own Pub/Sub trigger cannot have a dead-letter topic (docs/design.md, "Dependencies"),
# so the store function is an HTTP service fed by this push subscription, which has one.
resource "google_pubsub_topic" "requests" {
  name       = var.topic_name
  depends_on = [google_project_service.enabled]
}

# Requests that failed max_delivery_attempts times (transient errors that never cleared, docs/design.md, "Bad input and failures").
resource "google_pubsub_topic" "dead_letter" {
  name       = "${var.topic_name}-dead-letter"
  depends_on = [google_project_service.enabled]
}

# Without a subscription, a topic drops what is published to it: this one keeps dead letters for the
# longest time Pub/Sub allows, for inspection and replay (docs/deploy.md).
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "${var.topic_name}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "2678400s"
  ack_deadline_seconds       = 60
  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "store_push" {
  name  = "${var.topic_name}-store"
  topic = google_pubsub_topic.requests.id

  # Pub/Sub waits for the HTTP answer as long as the function may run, so a slow store is not redelivered
  # while it is still working.
  ack_deadline_seconds       = var.store_timeout_seconds
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }

  push_config {
    # The framework turns a raw push into a messagePublished CloudEvent and takes the topic from this path
    # (docs/design.md, "Dependencies"), the same path the local stack pushes to.
    push_endpoint = "${google_cloudfunctions2_function.store.service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.requests.name}"
    oidc_token {
      service_account_email = google_service_account.store_push.email
      # Cloud Run checks the token's audience against the service URL, not the full push endpoint.
      audience = google_cloudfunctions2_function.store.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  depends_on = [
    google_cloud_run_service_iam_member.store_invoker,
    google_service_account_iam_member.pubsub_mints_store_push_tokens,
    google_pubsub_topic_iam_member.dead_letter_publisher,
  ]
}

# Dead lettering is done by the Pub/Sub service agent: it publishes to the dead-letter topic and acks the
# original on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  subscription = google_pubsub_subscription.store_push.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Producers (orchestrators) may publish requests.
resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = toset(var.publisher_members)
  topic    = google_pubsub_topic.requests.id
  role     = "roles/pubsub.publisher"
  member   = each.value
}

# Events (docs/design.md, "Events"; docs/deploy.md, "Events"): the store, the sync and the API publish what
# they committed here. Kept 7 days by the topic itself, so a subscriber created later can seek back to what
# was published before it existed; without a subscription nothing else keeps them.
resource "google_pubsub_topic" "events" {
  name                       = var.events_topic_name
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.enabled]
}

# Exactly the functions that publish events, each on this topic only: the store (artifact.rejected,
# artifact.ephemeral), both sync deployments (artifact.version_created, alias.moved, artifact.deleted), the
# API (artifact.deleted, and alias.moved for an alias moved over HTTP) and reconcile (what it repairs, as the
# sync would have announced it). Not the trigger, push or schedule identities, and nothing project-wide.
resource "google_pubsub_topic_iam_member" "events_publishers" {
  for_each = {
    api       = google_service_account.api.member
    reconcile = google_service_account.reconcile.member
    store     = google_service_account.store.member
    sync      = google_service_account.sync.member
  }
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = each.value
}
