-- Add artifact_type column to project_files
ALTER TABLE project_files ADD COLUMN IF NOT EXISTS artifact_type TEXT;
-- artifact_type: 'workflow', 'sop', 'blueprint', 'solution', 'roadmap', 'poc', 'hybrid_embeddings', NULL (for files)

-- Add index for artifact queries
CREATE INDEX IF NOT EXISTS idx_project_files_artifact_type 
ON project_files(artifact_type) 
WHERE artifact_type IS NOT NULL;

-- Add composite index for artifact queries
CREATE INDEX IF NOT EXISTS idx_project_files_artifact_tenant 
ON project_files(artifact_type, tenant_id) 
WHERE artifact_type IS NOT NULL;
