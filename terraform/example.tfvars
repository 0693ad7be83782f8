# Copy to terraform.tfvars (git-ignored), fill in, then: terraform apply -var-file=terraform.tfvars
# Secrets can come from the environment instead: TF_VAR_supabase_service_role_key, TF_VAR_supabase_jwt_secret.

project_id  = "my-platform-prod"
region      = "europe-west1"
bucket_name = "my-platform-prod-artifacts"

supabase_url              = "https://abcdefghijklmnopqrst.supabase.co"
supabase_service_role_key = "replace-with-the-service-role-key-from-supabase-settings-api"
supabase_jwt_secret       = "replace-with-the-jwt-secret-from-supabase-settings-api"

# Who publishes store requests (and may upload claim-check payloads under staging/).
publisher_members = [
  "serviceAccount:orchestrator@my-platform-prod.iam.gserviceaccount.com",
]

cors_origins = ["https://app.example.com"]

# Optional; these are the defaults.
# name_prefix           = "artifact-store"
# topic_name            = "artifact-store-requests"
# events_topic_name     = "artifact-store-events"
# tenant_claim          = "app_metadata.tenant_id"
# max_delivery_attempts = 10
# store_timeout_seconds = 300
# api_invoker_members   = ["allUsers"]

# Reconcile (DESIGN 14), run by Cloud Scheduler; these are the defaults.
# reconcile_schedule      = "17 * * * *"
# reconcile_time_zone     = "Etc/UTC"
# reconcile_grace_minutes = 60

# Persist workflows and SOPs for 90 days, everything else ephemeral; requests may ask to persist up to a year.
# Leave unset for the shipped default (shared/default-materialization-policy.json).
materialization_policy = {
  version = 1
  default = { mode = "ephemeral" }
  rules = [
    { match = { artifact_type = ["workflow", "sop"] }, mode = "persist", retention_days = 90 },
  ]
  overrides = { allow = true, modes = ["persist"], max_retention_days = 365 }
}
