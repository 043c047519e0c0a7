"""The five clinrelay services. Each ``services/<name>/`` holds that stage's domain code (plain
Python taking and returning typed models) and one thin ``main`` that wires it to the bus."""
