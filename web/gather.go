package web

import (
	"net/http"
	"sync"
)

// partsAtOnce is how many of a page's parts (the dashboard's areas, My tasks' providers) are computed at the
// same time for one request: each reads the database on its own, so on the large demo the dashboard took
// the sum of a dozen reads; a few at once use the machine's cores without taking the whole connection pool
// from other requests.
const partsAtOnce = 4

// partSlots are the places a request's parts take while computed; one set for the whole page, so that parts
// gathered side by side (the dashboard's alerts, parts and tasks) are still partsAtOnce at a time.
type partSlots chan struct{}

func newPartSlots() partSlots { return make(partSlots, partsAtOnce) }

// gather calls each of fns with r, each in one of slots, and returns their results in fns' order, or the
// first error in that order.
func gather[T any](r *http.Request, slots partSlots, fns []func(*http.Request) (T, error)) ([]T, error) {
	out := make([]T, len(fns))
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			out[i], errs[i] = fn(r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
