// Command etcd wraps etcdmain so that etcd builds inside this module: etcd's own module root carries
// replace lines, so `go install go.etcd.io/etcd/server/v3@...` refuses it.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
