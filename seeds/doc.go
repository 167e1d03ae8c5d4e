// Package seeds generates the demo city: a deterministic, Hanoi-sized
// synthetic city with wards, a river, major roads, schools and applicants,
// written as the input files of the data contract (DESIGN.md, "Input files").
//
// Everything derives from Config: the same Config gives byte-identical files
// on any machine and with any GOMAXPROCS. Positions are sampled in integer
// metres in a local plane around the city centre and converted to integer
// micro-degrees of longitude and latitude with integer arithmetic, so the
// output never depends on how a platform rounds floating point.
package seeds
