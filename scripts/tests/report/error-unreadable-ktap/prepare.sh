mkdir results.ktap
