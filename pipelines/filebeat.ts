/**
 * The objects Filebeat's add_host_metadata, add_docker_metadata, add_kubernetes_metadata and add_cloud_metadata
 * processors write at the root of an event: ECS already, so a document keeps them whole.
 */
export const FILEBEAT_METADATA = ['host', 'container', 'kubernetes', 'cloud', 'orchestrator'] as const;
