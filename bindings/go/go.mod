module strata

go 1.19
