// Package linearizability checks gatherd's input API the way etcd's robustness tests and Jepsen check a
// store: concurrent clients record every operation's call, return and result while faults are injected, and
// porcupine searches for a sequential order of the operations that the model of the input store accepts and
// that respects real time. The model and the history are pure and reusable against any set of API addresses;
// the tests drive a testcluster with kills, restarts, partitions and slow links.
package linearizability
