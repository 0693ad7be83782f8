terraform {
  # Checked offline with 1.11 (fmt, variable validation); nothing here needs more than 1.5.
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 7.x made event_trigger.event_type required and service_config.service an attribute; this
      # configuration already fits both, and 8.0 changed nothing it uses.
      version = ">= 7.0, < 9.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}

provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = merge({ app = "artifact-store" }, var.labels)
}
