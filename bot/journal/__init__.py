"""What people write: private reflections, learning goals, the anonymous playbook."""
