//go:build tools

// Package builder only pins the kube-apiserver command in go.mod/go.sum.
package builder

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
