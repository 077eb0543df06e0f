"""Deep Linking 2.0: instructors pick Skillbite content in the LMS, and its links open exactly that content."""
