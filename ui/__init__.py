"""The user-facing edge: the ``kgqa`` command line (:mod:`ui.cli`) and the Gradio app (:mod:`ui.app`)."""
