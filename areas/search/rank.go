package search

import "sort"

// Hit is one search result: what it is, how to reach it, the text around the
// match, and how well it matched (higher is better).
type Hit struct {
	Type    string  `json:"type"` // document, risk, control, asset
	ID      string  `json:"id"`
	Ref     string  `json:"ref"`
	Title   string  `json:"title"`
	Snippet string  `json:"snippet"`
	Score   float64 `json:"-"` // the order of the list says it
}

// Rank merges each register's best hits into one list, best first, at most limit
// long; equal scores keep the registers' order (documents, risks, controls, assets).
func Rank(hits []Hit, limit int) []Hit {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}
