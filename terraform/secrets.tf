# Secrets of the functions, pinned: each function reads the version created from the current variable value,
# so a new value is a new version, which is a change of the function, which redeploys it.

resource "google_secret_manager_secret" "service_role_key" {
  secret_id = "${var.name_prefix}-supabase-service-role-key"
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "service_role_key" {
  secret      = google_secret_manager_secret.service_role_key.id
  secret_data = var.supabase_service_role_key
  # The functions move to the new version before the old one is deleted.
  lifecycle {
    create_before_destroy = true
  }
}

resource "google_secret_manager_secret" "jwt_secret" {
  secret_id = "${var.name_prefix}-supabase-jwt-secret"
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "jwt_secret" {
  secret      = google_secret_manager_secret.jwt_secret.id
  secret_data = var.supabase_jwt_secret
  lifecycle {
    create_before_destroy = true
  }
}

# Each function reads only the secrets it needs: all four the service role key, only the API the JWT secret.
resource "google_secret_manager_secret_iam_member" "service_role_key" {
  for_each = {
    api       = google_service_account.api.member
    store     = google_service_account.store.member
    sync      = google_service_account.sync.member
    reconcile = google_service_account.reconcile.member
  }
  secret_id = google_secret_manager_secret.service_role_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}

resource "google_secret_manager_secret_iam_member" "jwt_secret" {
  for_each = {
    api = google_service_account.api.member
  }
  secret_id = google_secret_manager_secret.jwt_secret.id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value
}
