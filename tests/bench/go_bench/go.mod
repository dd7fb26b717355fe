module strata_go_bench

go 1.19

require strata v0.0.0

replace strata => ../../../bindings/go
