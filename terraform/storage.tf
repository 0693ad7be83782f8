# The artifact bucket (docs/design.md, "Objects in the bucket"): artifacts/ (manifests and visuals), staging/ (claim-check payloads),
# quarantine/ (rejected messages). Only the functions' and publishers' identities reach it; nothing is public.
resource "google_storage_bucket" "artifacts" {
  name                        = var.bucket_name
  location                    = local.bucket_location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Never delete a bucket that still holds artifacts.
  force_destroy = false

  # A deleted artifact must be gone (docs/design.md, "API"): no versions to keep old generations around.
  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_retention_seconds
  }

  # Claim-check payloads are consumed within minutes; a day is the safety margin.
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age              = 1
      matches_prefix   = ["staging/"]
      send_age_if_zero = false
    }
  }

  # Quarantined messages are kept for a month for replay (docs/design.md, "Bad input and failures").
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age              = 30
      matches_prefix   = ["quarantine/"]
      send_age_if_zero = false
    }
  }

  # Retained artifacts carry customTime = their expiry (docs/design.md: "Objects in the bucket", "Policy"): delete once it has passed. The provider
  # drops a zero days_since_custom_time unless told to send it, and sends a zero age unless told not to;
  # together that would be a rule "age >= 0", deleting everything. Hence both flags, and the prefix.
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      days_since_custom_time              = 0
      send_days_since_custom_time_if_zero = true
      send_age_if_zero                    = false
      matches_prefix                      = ["artifacts/"]
    }
  }

  depends_on = [google_project_service.enabled]
}

# Function source archives, one object per content hash.
resource "google_storage_bucket" "sources" {
  name                        = "${var.bucket_name}-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Only archives of this configuration live here.
  force_destroy = true

  depends_on = [google_project_service.enabled]
}

# Zips of the bundles `npm run build` wrote. The archive provider fixes timestamps and (here) file modes, so
# the same bundle gives the same bytes and the same hash on any machine.
data "archive_file" "function" {
  for_each         = local.bundles
  type             = "zip"
  source_dir       = "${path.module}/../dist/functions/${each.key}"
  output_path      = "${path.module}/../dist/archives/${each.key}.zip"
  output_file_mode = "0644"
}

# Named by content hash: a code change is a new object name, which is a change of the function's source,
# which redeploys it; an unchanged bundle redeploys nothing.
resource "google_storage_bucket_object" "function_source" {
  for_each     = data.archive_file.function
  bucket       = google_storage_bucket.sources.name
  name         = "${each.key}/${each.value.output_sha256}.zip"
  source       = each.value.output_path
  content_type = "application/zip"
}
