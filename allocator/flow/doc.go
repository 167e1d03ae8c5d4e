// Package flow solves lexicographic min-cost assignment exactly, with a certificate.
//
// # Problem
//
// Unit-demand applicants are assigned to schools with seats over eligible arcs (applicant, school,
// cost in metres). Each applicant has a tier, 0 the highest. The objective is a vector with one
// component per tier, compared lexicographically: first the most tier-0 applicants placed, then the
// least tier-0 total cost, then the most tier-1 applicants placed, and so on. No applicant of a higher
// tier is left unplaced, or its tier sent farther in total, to seat a lower tier.
//
// # Tiers
//
// Placing an applicant of tier t is worth Bonus metres in component t; an arc costs its metres in
// component t. Bonus = MaxCost·(schools+1) + 1 is more than the cost change of any exchange of seats
// (an alternating path or cycle moves at most schools+1 applicants, each by at most MaxCost), so within
// a tier one more placement always outweighs any saving in distance, and minimising
// Σ (cost - Bonus)·e_t lexicographically is the objective above.
//
// # Certificate
//
// The dual solution is one price vector π_j >= 0 per school. An applicant of tier t sees school j
// through its offer π_j + (c_ij - Bonus)·e_t and unassignment through the zero vector. The solution is
// optimal if (complementary slackness): every assigned applicant's offer at its school is <= 0 and <= its
// offer at every other eligible school; every unassigned applicant's offers are >= 0; every school with
// a positive price is full; no school is over capacity. Summing the offers of the assigned applicants
// against any other feasible assignment shows that the other cannot be lexicographically better.
// Verify checks exactly these conditions over every arc the problem's All callback returns, with
// none of the solver's state.
//
// # Algorithm
//
// The solver works on the school graph: one node per school plus a pool of unassigned applicants, and
// for each ordered pair of nodes (a, b) a heap of the applicants now at a with an arc to b, keyed by the
// cost of moving them. An augmenting path in this graph moves one applicant along each edge, so the
// graph has about schools² edges whatever the number of applicants, and a shortest-path search costs
// O(schools²) rather than O(arcs).
//
// It solves a restricted problem first: the Initial arcs (the nearest few schools of each applicant).
// Costs are scaled: at the coarsest scale every cost rounds to zero, which settles how many of each tier
// are placed; each refinement adds the next two bits of every cost, and successive shortest paths with
// potentials (Dijkstra on reduced costs, then augmentation along every admissible path found) restore
// optimality at the new scale from the previous prices, which are already nearly right. At some scales,
// and at the true costs until nothing is found, pricing passes over every arc from All: an arc with a
// negative reduced cost joins the restricted problem and the affected applicants move (after a pass
// that moves many, the solver steps back to a coarser scale, where long moves are cheap to route). When a pass finds
// none at the true costs, the restricted solution and its prices satisfy the conditions above over
// every arc, so it is optimal for the full problem; Verify then checks that independently.
//
// The result depends only on the problem's data and the order of its arcs: ties break by applicant and
// school index, and parallel passes merge their findings in applicant order.
//
// # Bounds
//
// Costs are at most MaxCost (2^20), schools at most MaxSchools and tiers at most MaxTiers, so Bonus is
// at most about 2^36 and a price component, which is a sum of at most schools+1 edge costs of at most
// Bonus each, stays far within priceLimit (2^60); every sum of two prices or a price and a cost fits in an
// int64. Solve returns ErrLimit rather than let a price leave the limit.
package flow
