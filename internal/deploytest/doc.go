// Package deploytest checks the deployment files against the server they
// deploy: the container image (Dockerfile, built and run with podman),
// compose.yaml and the Kubernetes manifests of docs/deploy/kubernetes,
// whose settings, ports and probes must be the server's own. It has only
// tests.
package deploytest
