"""Templates compiled ahead of time (python -m hpcspec.backends.render --compile)."""

# template -> sha256 of the source each module was compiled from
SOURCES = {
    'Dockerfile.j2': 'bdcbebe3b3fdc639b101596c67fb1b8dccb2b35d2a3531724bbb68ad79c96176',
    'apptainer.def.j2': 'fb9fd30610c0ca96fe37c4dcfb62cea61ed03755a5de218f56ffc929c2d366b2',
    'batch.sh.j2': '5714f4ec1f28957426e02298729d55c9b95eef1ca86074ae7ae63e995519848d',
    'build-on-host.sh.j2': 'b19f5d3b27838f55280d5b26aeb7e9694146fe6788e6907e02aa2ffb38f01960',
    'build.sh.j2': '56a5b211b14a9da8f1e0e264d36685bfa6f244ec107d802a09800e7828d81e60',
    'run.sh.j2': '9e6794763b761995876a026e6ec08ea5b2a343fa7b50e0fe570c95b33f4a90b3',
    'test.sh.j2': 'b35ec61782c0418d106ba62acaf00768e864646496b798bbc4462991e73b039d',
}
