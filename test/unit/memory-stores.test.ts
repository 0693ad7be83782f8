/**
 * The in-memory stores of the in-process tests keep the same contracts as the real ones: the very suites that
 * run against GcsBlobStore on the GCS stand-in and SupabaseMetadataStore on PostgreSQL run here against them.
 */
import { blobStoreContract } from '../contract/blob-store-contract';
import { metadataStoreContract } from '../contract/metadata-store-contract';
import { MemoryBlobStore } from '../support/memory/memory-blob-store';
import { MemoryMetadataStore } from '../support/memory/memory-metadata-store';

const blobs = new MemoryBlobStore('contract-bucket');
const metadata = new MemoryMetadataStore();

blobStoreContract('MemoryBlobStore', () => blobs);
metadataStoreContract('MemoryMetadataStore', () => metadata);
