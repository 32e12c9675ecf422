//go:build tools

// Package builder only pins the etcd command in go.mod/go.sum.
package builder

import _ "go.etcd.io/etcd/server/v3"
