// Package tools is the root of the release tooling: building and pushing images without a Docker
// engine, release notes, and the checks of the repository's workflows. It is its own module so that
// none of its dependencies reach the plugin's or the controller's builds.
package tools
