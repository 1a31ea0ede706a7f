[.tests[0].subtests[] | .reason] == ["stress-ng 0.15.06 has no vma stressor", null, null, "its own reason"]
